"""Channel configuration by the bureau: each enterprise group's robot webhook, the SMS template per kind."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from jingzhang.notifications import handlers
from jingzhang.notifications.api.bodies import GroupWebhookBody, Ident, TemplateBody, WebhookBody
from jingzhang.notifications.api.deps import HandlerDeps
from jingzhang.notifications.domain.channels import RegisterGroupWebhook, RegisterSmsTemplate
from jingzhang.notifications.domain.vocabulary import MessageKind
from jingzhang.shared.auth.http import CommandMeta, require_roles
from jingzhang.shared.auth.principal import Role
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["commands"])
BUREAU = [Depends(require_roles(Role.BUREAU, what="configuring notification channels"))]


@router.put("/enterprises/{enterprise_id}/group-webhook", dependencies=BUREAU)
async def register_group_webhook(
    enterprise_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,128}$")],
    body: WebhookBody,
    deps: HandlerDeps,
    meta: CommandMeta,
) -> CommandAccepted:
    """Register (or replace) the enterprise's WeChat group robot; messages to the group start now."""
    command = RegisterGroupWebhook(
        enterprise_id=enterprise_id,
        webhook_url=body.webhook_url,
        registered_by=meta.actor,
        expected_version=body.expected_version,
    )
    return accepted(enterprise_id, await handlers.register_webhook(deps, command, meta))


@router.post("/group-webhooks", dependencies=BUREAU, status_code=201)
async def add_group_webhook(body: GroupWebhookBody, deps: HandlerDeps, meta: CommandMeta) -> CommandAccepted:
    """The same as `PUT /enterprises/{enterprise_id}/group-webhook`, the enterprise named in the body."""
    command = RegisterGroupWebhook(
        enterprise_id=body.enterprise_id,
        webhook_url=body.webhook_url,
        registered_by=meta.actor,
        expected_version=body.expected_version,
    )
    return accepted(body.enterprise_id, await handlers.register_webhook(deps, command, meta))


@router.put("/sms/templates/{kind}", dependencies=BUREAU)
async def register_sms_template(
    kind: MessageKind, body: TemplateBody, deps: HandlerDeps, meta: CommandMeta
) -> CommandAccepted:
    """The gateway-approved template for `kind`; its content must use exactly the kind's variables."""
    command = RegisterSmsTemplate(
        kind=kind, template_code=body.template_code, content=body.content, expected_version=body.expected_version
    )
    return accepted(kind.value, await handlers.register_template(deps, command, meta))


__all__ = ["Ident", "router"]
