"""The key store's tables: per-subject wrapped keys, and the master keys that wrapped them.

They hold what no event can rebuild (every person's key), so they evolve by numbered migrations
(`privacy/migrations/NNNN_*.sql`, version in `keystore.schema_migrations`, see `schema_migrations`),
applied by whoever opens the store first (a service at start, `provision`, a rotation) under the
ledger's advisory lock, so replicas starting together migrate once. A store of the first release
(no version table) is taken on as version 1; one of a newer release is refused untouched.
"""

import asyncpg

from jingzhang.shared.schema_migrations import Ledger, migrate, packaged

SCHEMA = "keystore"

KEY_STORE = Ledger(schema=SCHEMA, migrations=packaged("jingzhang.shared.privacy"), first_table=f"{SCHEMA}.subject_keys")


async def install_keystore(conn: asyncpg.Connection) -> None:
    """Bring the key store to this build's version (`SchemaTooNew` if a newer release migrated it)."""
    await migrate(conn, KEY_STORE)
