"""Opening the key store a service's settings name: its own database, or the service's."""

from dataclasses import dataclass

import asyncpg

from jingzhang.shared import pools, sessions
from jingzhang.shared.privacy.cache import KeyCache
from jingzhang.shared.privacy.crypto import MasterKeyRing
from jingzhang.shared.privacy.errors import MasterKeyMissing
from jingzhang.shared.privacy.keystore import PostgresKeyStore
from jingzhang.shared.settings import ServiceSettings


@dataclass
class OpenedKeyStore:
    keystore: PostgresKeyStore
    own_pool: asyncpg.Pool | None
    """The pool opened for KEYSTORE_URL (closed by `close`); None when the key store shares the service's."""

    async def close(self) -> None:
        await self.keystore.close()
        if self.own_pool is not None:
            await self.own_pool.close()


def master_keys(settings: ServiceSettings) -> MasterKeyRing:
    """KEYSTORE_MASTER_KEY wraps new keys; KEYSTORE_PREVIOUS_MASTER_KEYS still unwrap (a rotation)."""
    if settings.keystore_master_key is None:
        raise MasterKeyMissing(
            "KEYSTORE_MASTER_KEY is not set: a service will not record personal data unencrypted"
            " (`jingzhang up` makes one; otherwise set base64 of 32 random bytes)"
        )
    previous = settings.keystore_previous_master_keys
    return MasterKeyRing.from_settings(
        settings.keystore_master_key.get_secret_value(), previous.get_secret_value() if previous else ""
    )


async def open_keystore(settings: ServiceSettings, service_pool: asyncpg.Pool) -> OpenedKeyStore:
    """Install the key store's tables and check the master key opens it (a wrong one fails here); with
    KEYSTORE_CACHE (the default) its keys are cached, listening for erasures (`cache`)."""
    master = master_keys(settings)
    own_pool = None
    if settings.keystore_url:
        own_pool = await pools.create(
            settings.keystore_url,
            min_size=1,
            max_size=settings.db_pool_max,
            reset=sessions.reset,  # no reset query on every release: only the cache's listener holds session state
        )
    pool = own_pool or service_pool
    cache = KeyCache() if settings.keystore_cache else None
    keystore = PostgresKeyStore(pool, master, cache)
    try:
        await keystore.install()
        if cache is not None:
            await cache.listen(pool)  # holds one of the pool's connections until `close`
    except BaseException:
        await keystore.close()
        if own_pool is not None:
            await own_pool.close()
        raise
    return OpenedKeyStore(keystore, own_pool)
