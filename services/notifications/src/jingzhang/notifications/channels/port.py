"""The one port every pushed channel sits behind: send one message, say what came of it."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from jingzhang.notifications.domain.vocabulary import Channel, MessageKind
from jingzhang.shared.privacy import tokens
from jingzhang.shared.privacy.errors import TamperedToken
from jingzhang.shared.privacy.keystore import KeyStore, Tombstone


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message for one channel. `variables` and the words name no person; the recipient is an id."""

    notification_id: str
    channel: Channel
    kind: MessageKind
    recipient: str
    enterprise_id: str | None
    variables: Mapping[str, str]
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Sent:
    reference: str = ""


@dataclass(frozen=True, slots=True)
class Retry:
    """Try again later: after `after` seconds if the channel said so, else after the backoff."""

    reason: str
    rate_limited: bool = False
    after: float | None = None


@dataclass(frozen=True, slots=True)
class GiveUp:
    """It can never succeed as it stands (no webhook, recipient erased, template refused)."""

    reason: str


Result = Sent | Retry | GiveUp


class ChannelAdapter(Protocol):
    async def send(self, message: Outgoing) -> Result: ...


class Erased:
    """What a sealed value's subject left behind: nothing to open."""


async def open_sealed(keys: KeyStore, text: str) -> str | Erased | None:
    """The value a sealed token holds, `Erased` once its subject's key is destroyed, None if not a token."""
    token = tokens.parse(text)
    if token is None:
        return None
    state = (await keys.get_many({token.subject})).get(token.subject)
    if state is None or isinstance(state, Tombstone):
        return Erased()
    try:
        return tokens.open_token(state, token)
    except TamperedToken:  # altered, or sealed for someone else: nothing to send to
        return Erased()
