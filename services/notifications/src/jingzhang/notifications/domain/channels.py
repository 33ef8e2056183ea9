"""Channel configuration the bureau registers: each enterprise group's robot webhook (a secret, sealed
under `webhook/<enterprise>` so it can be shredded and never shows in the log) and the SMS template
per message kind. Pure: the decide functions check the input and return events."""

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AwareDatetime

from jingzhang.notifications.domain.templates import TEMPLATES, template_variables
from jingzhang.notifications.domain.vocabulary import MessageKind
from jingzhang.shared.errors import InvalidCommand
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.privacy.fields import Personal, PersonalKind

WebhookUrl = Annotated[str, Personal(PersonalKind.FREE_TEXT, subject="webhook/{enterprise_id}")]
"""The robot's URL carries its key: whoever has it can post to the group. Sealed like personal data."""

MAX_URL = 2048


class GroupWebhookRegistered(DomainEvent):
    enterprise_id: str
    webhook_url: WebhookUrl
    registered_by: str
    registered_at: AwareDatetime


class SmsTemplateRegistered(DomainEvent):
    """A template approved by the SMS gateway for `kind`; `content` uses the kind's `${variables}`."""

    kind: MessageKind
    template_code: str
    content: str
    registered_at: AwareDatetime


WEBHOOK_EVENTS: tuple[type[DomainEvent], ...] = (GroupWebhookRegistered,)
TEMPLATE_EVENTS: tuple[type[DomainEvent], ...] = (SmsTemplateRegistered,)


@dataclass(frozen=True, slots=True)
class ChannelState:
    registrations: int = 0


def evolve(state: ChannelState, event: DomainEvent) -> ChannelState:
    return ChannelState(state.registrations + 1)


@dataclass(frozen=True, slots=True)
class RegisterGroupWebhook:
    enterprise_id: str
    webhook_url: str
    registered_by: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class RegisterSmsTemplate:
    kind: MessageKind
    template_code: str
    content: str
    expected_version: int | None = None


def register_webhook(cmd: RegisterGroupWebhook, now: datetime) -> list[DomainEvent]:
    check_webhook_url(cmd.webhook_url)
    return [
        GroupWebhookRegistered(
            enterprise_id=cmd.enterprise_id,
            webhook_url=cmd.webhook_url,
            registered_by=cmd.registered_by,
            registered_at=now,
        )
    ]


def check_webhook_url(url: str) -> None:
    """https only; plain http to a loopback address alone (the local sinks). Never echoes the URL."""
    if len(url) > MAX_URL:
        raise InvalidCommand(f"a webhook URL has at most {MAX_URL} characters", field="webhook_url")
    parts = urlsplit(url)
    if not parts.hostname:
        raise InvalidCommand("the webhook URL names no host", field="webhook_url")
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and _loopback(parts.hostname):
        return
    raise InvalidCommand(
        "a webhook URL must be https (plain http only to a loopback address, for local sinks)", field="webhook_url"
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register_template(cmd: RegisterSmsTemplate, now: datetime) -> list[DomainEvent]:
    needed = TEMPLATES[cmd.kind].variables
    used = template_variables(cmd.content)
    if missing := sorted(needed - used):
        raise InvalidCommand(
            f"the template for {cmd.kind.value} misses {', '.join('${' + m + '}' for m in missing)}", field="content"
        )
    if unknown := sorted(used - needed):
        raise InvalidCommand(
            f"{cmd.kind.value} has no variable {', '.join('${' + u + '}' for u in unknown)}", field="content"
        )
    return [
        SmsTemplateRegistered(kind=cmd.kind, template_code=cmd.template_code, content=cmd.content, registered_at=now)
    ]


def default_template(kind: MessageKind) -> tuple[str, str]:
    """The code and content used for `kind` until one is registered (the local gateway accepts them)."""
    body = TEMPLATES[kind].body.replace("{", "${")
    return f"JZ_{kind.value.upper()}", body
