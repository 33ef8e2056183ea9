"""An officer's inbox and the console's alerts, with read receipts; the delivery counts."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from jingzhang.notifications import handlers, outbox
from jingzhang.notifications.api.deps import HandlerDeps, Inbox
from jingzhang.notifications.domain.notification import MarkRead
from jingzhang.notifications.domain.vocabulary import CONSOLE, officer
from jingzhang.notifications.projections.inbox import InboxItem
from jingzhang.shared.auth.http import CommandMeta, CurrentPrincipal, officer_in_path, require_everything, require_roles
from jingzhang.shared.auth.policy import Action, Forbidden
from jingzhang.shared.auth.principal import Role
from jingzhang.shared.errors import NotFound
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["queries"])
UUID_PATH = Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@router.get("/officers/{officer_id}/inbox", dependencies=[Depends(officer_in_path(Action.READ))])
async def officer_inbox(officer_id: str, inbox: Inbox, unread: bool = False) -> list[InboxItem]:
    """What the officer was told, newest first; `unread=true` for what they have not opened yet."""
    return await inbox.items(officer(officer_id), unread_only=unread)


@router.post("/officers/{officer_id}/inbox/{notification_id}/read")
async def read_notification(
    officer_id: str,
    notification_id: Annotated[str, UUID_PATH],
    inbox: Inbox,
    deps: HandlerDeps,
    meta: CommandMeta,
    principal: CurrentPrincipal,
) -> CommandAccepted:
    """The officer's read receipt; reading again records nothing."""
    if principal.officer_id != officer_id and principal.role is not Role.BUREAU:
        raise Forbidden("only the officer (or the bureau) marks their notifications read")
    return await _read(notification_id, officer(officer_id), inbox, deps, meta)


@router.get("/alerts", dependencies=[Depends(require_everything(Action.READ, "reading the console's alerts"))])
async def alerts(inbox: Inbox, unread: bool = False) -> list[InboxItem]:
    """The console's alerts: breaches at the top, coverage gaps, tiers with nobody acting."""
    return await inbox.items(CONSOLE, unread_only=unread)


@router.post(
    "/alerts/{notification_id}/read",
    dependencies=[Depends(require_roles(Role.BUREAU, what="acknowledging the console's alerts"))],
)
async def read_alert(
    notification_id: Annotated[str, UUID_PATH], inbox: Inbox, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    return await _read(notification_id, CONSOLE, inbox, deps, meta)


@router.get("/deliveries/summary", dependencies=[Depends(require_everything(Action.READ, "reading delivery counts"))])
async def deliveries(request: Request) -> dict[str, dict[str, int]]:
    """Per pushed channel: pending, sent, dead-lettered, held by rate limits, interrupted mid-delivery."""
    return await outbox.summary(request.app.state.runtime.pool)


async def _read(
    notification_id: str, recipient: str, inbox: Inbox, deps: handlers.Deps, meta: CommandMeta
) -> CommandAccepted:
    if await inbox.recipient_of(notification_id) != recipient:
        raise NotFound("notification", notification_id)
    command = MarkRead(notification_id=notification_id, recipient=recipient, read_by=meta.actor)
    return accepted(notification_id, await handlers.mark_read(deps, command, meta))
