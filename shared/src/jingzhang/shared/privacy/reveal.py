"""Turning tokens back into values for one viewer: one key batch, then the policy per token."""

import json
from collections.abc import Callable

import structlog

from jingzhang.shared.privacy import tokens
from jingzhang.shared.privacy.crypto import DataKey
from jingzhang.shared.privacy.errors import TamperedToken
from jingzhang.shared.privacy.keystore import KeyState, KeyStore, Tombstone
from jingzhang.shared.privacy.policy import ERASED, HIDDEN, INVALID, UNAVAILABLE, Sight, Viewer, present, sight

log = structlog.get_logger(__name__)


def render(token: tokens.Token, state: KeyState | None, viewer: Viewer) -> str:
    """What `viewer` sees of one token, given its subject's key (or tombstone, or None: unknown)."""
    if isinstance(state, Tombstone):
        return ERASED
    if state is None:
        return UNAVAILABLE
    seen = sight(token.kind, token.subject, viewer)
    if seen is Sight.HIDDEN:
        return HIDDEN  # not even decrypted
    return present(token.kind, _open(state, token), seen)


def _open(key: DataKey, token: tokens.Token) -> str:
    try:
        return tokens.open_token(key, token)
    except TamperedToken:
        log.warning("privacy.token_invalid", subject=token.subject, kind=token.kind.value)
        return INVALID


def revealed(token: tokens.Token, state: KeyState | None, viewer: Viewer, shown: str) -> bool:
    """Did `viewer` just see someone else's value in full (what the read log records)?"""
    if not isinstance(state, DataKey) or shown == INVALID or viewer.person == token.subject:
        return False
    return sight(token.kind, token.subject, viewer) is Sight.FULL


async def reveal_text(
    keys: KeyStore,
    text: str,
    viewer: Viewer,
    *,
    json_string: bool = True,
    seen: dict[str, set[str]] | None = None,
) -> str:
    """`text` with every token in it replaced by what `viewer` sees of it.

    With `json_string` (a JSON document) the replacement is escaped as the inside of a JSON string;
    without, it is inserted as is (one value, for a CLI or a report). `seen`, if given, collects the
    kinds of value shown in full per person (never the values): what `reads` records.
    """
    found = tokens.find(text)
    if not found:
        return text
    states = await keys.get_many({token.subject for _, token in found})
    escape: Callable[[str], str] = _json_inner if json_string else str
    shown: dict[str, str] = {}
    for match, token in found:
        state = states.get(token.subject)
        value = render(token, state, viewer)
        shown[match.group(0)] = escape(value)
        if seen is not None and revealed(token, state, viewer, value):
            seen.setdefault(token.subject, set()).add(token.kind.value)
    return tokens.TOKEN_PATTERN.sub(lambda m: shown.get(m.group(0), m.group(0)), text)


def _json_inner(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]
