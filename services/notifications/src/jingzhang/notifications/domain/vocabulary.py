"""The words of notifications: channels, message kinds and who receives them. Values are published."""

from enum import StrEnum


class Channel(StrEnum):
    """How a message reaches someone: pushed (WeCom group robot, SMS) or kept for them (in-app)."""

    WECOM = "wecom"  # 企业微信群机器人, one per enterprise group
    SMS = "sms"  # 短信, to an officer's phone
    INAPP = "inapp"  # the officer's inbox, or the console's alerts

    @property
    def pushed(self) -> bool:
        return self is not Channel.INAPP


class MessageKind(StrEnum):
    """What a message is about; each kind has its template and its variables."""

    APPEAL_ROUTED = "appeal_routed"
    APPEAL_WARNING = "appeal_warning"
    APPEAL_BREACHED = "appeal_breached"
    APPEAL_ESCALATED = "appeal_escalated"
    APPEAL_RECEIVED = "appeal_received"
    APPEAL_REFERRED = "appeal_referred"
    APPEAL_RESOLVED = "appeal_resolved"
    CALLBACK_NEEDED = "callback_needed"
    CHIEFS_CHANGED = "chiefs_changed"
    DUTY_DUE = "duty_due"
    DUTY_OVERDUE = "duty_overdue"
    DUTY_HANDED_OVER = "duty_handed_over"
    COVERAGE_GAP = "coverage_gap"
    NOBODY_ACTING = "nobody_acting"


class RecipientKind(StrEnum):
    """Quiet hours are set per kind of recipient."""

    OFFICER = "officer"
    GROUP = "group"
    CONSOLE = "console"


CONSOLE = "console"
"""The bureau console's alerts: a recipient with no person behind it."""


def officer(officer_id: str) -> str:
    return f"officer/{officer_id}"


def group(enterprise_id: str) -> str:
    return f"group/{enterprise_id}"


def recipient_kind(recipient: str) -> RecipientKind:
    if recipient == CONSOLE:
        return RecipientKind.CONSOLE
    return RecipientKind(recipient.split("/", 1)[0])


def recipient_id(recipient: str) -> str:
    """The officer or enterprise id a recipient names (the console names none: empty)."""
    return recipient.split("/", 1)[1] if "/" in recipient else ""
