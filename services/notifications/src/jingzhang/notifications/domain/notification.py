"""The notifications service's own events: what was delivered, what was given up, what was read.

A notification is decided from a causing event (see `rules`); each pushed channel's delivery is its
own stream (`delivery`, id `<notification id>-<channel>`) ending in exactly one `NotificationSent` or
`NotificationFailed`, so a delivery recorded twice is refused by the store. A read receipt is on the
notification's stream (`notification`). None of them carries personal data: recipients are named by
id (`officer/off-014`, `group/ent-3`), phone numbers never leave the SMS adapter.
"""

from dataclasses import dataclass
from datetime import datetime

from pydantic import AwareDatetime, Field

from jingzhang.notifications.domain.vocabulary import Channel, MessageKind
from jingzhang.shared.errors import DomainRejected
from jingzhang.shared.events import DomainEvent


class NotificationSent(DomainEvent):
    """The channel accepted the message. `possibly_duplicated`: an earlier attempt was cut off before its
    answer was recorded (a crash mid-delivery) and the channel honours no idempotency key, so the
    recipient may have it twice (counted, never silent)."""

    notification_id: str
    channel: Channel
    kind: MessageKind
    recipient: str
    enterprise_id: str | None
    ref: str
    attempts: int = Field(ge=1)
    possibly_duplicated: bool
    sent_at: AwareDatetime


class NotificationFailed(DomainEvent):
    """Dead-lettered: given up after `attempts`, or at once when it can never succeed (`reason`)."""

    notification_id: str
    channel: Channel
    kind: MessageKind
    recipient: str
    enterprise_id: str | None
    ref: str
    attempts: int = Field(ge=0)
    reason: str
    failed_at: AwareDatetime


class NotificationRead(DomainEvent):
    """The recipient opened it in their inbox (a read receipt); the console's alerts by the bureau."""

    notification_id: str
    recipient: str
    read_by: str
    read_at: AwareDatetime


DELIVERY_EVENTS: tuple[type[DomainEvent], ...] = (NotificationSent, NotificationFailed)
NOTIFICATION_EVENTS: tuple[type[DomainEvent], ...] = (NotificationRead,)


def delivery_id(notification_id: str, channel: Channel) -> str:
    return f"{notification_id}-{channel.value}"


@dataclass(frozen=True, slots=True)
class NotificationState:
    read_at: datetime | None = None


def evolve(state: NotificationState, event: DomainEvent) -> NotificationState:
    if isinstance(event, NotificationRead):
        return NotificationState(read_at=event.read_at)
    return state


@dataclass(frozen=True, slots=True)
class DeliveryState:
    finished: bool = False


def evolve_delivery(state: DeliveryState, event: DomainEvent) -> DeliveryState:
    return DeliveryState(finished=state.finished or isinstance(event, NotificationSent | NotificationFailed))


@dataclass(frozen=True, slots=True)
class MarkRead:
    notification_id: str
    recipient: str
    read_by: str


def mark_read(cmd: MarkRead, state: NotificationState, now: datetime) -> list[DomainEvent]:
    """Reading again records nothing: the receipt says when it was first read."""
    if state.read_at is not None:
        return []
    if not cmd.recipient:
        raise DomainRejected("a notification needs its recipient", field="notification_id")
    return [
        NotificationRead(notification_id=cmd.notification_id, recipient=cmd.recipient, read_by=cmd.read_by, read_at=now)
    ]
