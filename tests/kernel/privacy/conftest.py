"""A key store on the test's own database, under a master key of its own."""

import asyncpg
import pytest

from jingzhang.shared.privacy.crypto import MasterKey
from jingzhang.shared.privacy.keystore import PostgresKeyStore


@pytest.fixture
def master() -> MasterKey:
    return MasterKey.from_base64(MasterKey.new_base64())


@pytest.fixture
async def keystore(pool: asyncpg.Pool, master: MasterKey) -> PostgresKeyStore:
    store = PostgresKeyStore(pool, master)
    await store.install()
    return store
