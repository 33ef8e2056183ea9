"""Erasing a data subject from an operator's shell: no master key needed, only the key store's database."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from jingzhang.shared.privacy.keystore import Tombstone, erase_subject, find_erasure


@dataclass(frozen=True, slots=True)
class ErasureResult:
    tombstone: Tombstone
    already: bool
    """True when the subject had been erased before: the first erasure's tombstone is kept."""


class NoKeyStore(LookupError):
    """The database holds no key store (`keystore` schema): a wrong KEYSTORE_URL."""


async def erase(pool: asyncpg.Pool, subject: str, actor: str, at: datetime) -> ErasureResult:
    """Raises `NotFound` when no personal data was ever recorded for `subject`."""
    try:
        before = await find_erasure(pool, subject)
        return ErasureResult(await erase_subject(pool, subject, actor, at), already=before is not None)
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        raise NoKeyStore("no key store in that database (KEYSTORE_URL names the services' shared key store)") from None
