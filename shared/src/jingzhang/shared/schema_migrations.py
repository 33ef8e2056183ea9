"""Numbered migrations for the tables that cannot be rebuilt from events: the event store first.

Read models are rebuilt when their shape changes (`migrations`); the event store, the key store and
the replicas' bookkeeping hold the truth itself, so they evolve step by step instead: a `Ledger`
names a schema, its numbered migrations (SQL applied once each, in order, each in its own
transaction with its version recorded in `<schema>.schema_migrations`) and its repeatable part
(functions and triggers, code rather than data, applied at every start). A database of an earlier
release that predates the version table holds version 1 exactly (the first release's tables, created
idempotently), so it is recorded as such and taken on from there. A database at a version this build
does not know (a newer release ran against it) is refused before anything is changed.

Why a small runner and not a migration library: the migrations are plain SQL run by the services at
start under an advisory lock (replicas start together), on asyncpg, with no ORM; Alembic needs
SQLAlchemy and a second driver, yoyo-migrations a synchronous driver, for twenty lines of logic.
"""

import hashlib
from dataclasses import dataclass
from importlib import resources

import asyncpg


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


@dataclass(frozen=True, slots=True)
class Ledger:
    schema: str
    migrations: tuple[Migration, ...]
    repeatable: str = ""
    first_table: str = ""
    """A table the first release created: present without a version table means version 1."""

    @property
    def latest(self) -> int:
        return max((m.version for m in self.migrations), default=0)

    @property
    def lock_key(self) -> int:
        digest = hashlib.blake2b(f"schema:{self.schema}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)


class SchemaTooNew(RuntimeError):
    """The database is at a version this build does not know: a newer release ran against it."""


def packaged(package: str, folder: str = "migrations") -> tuple[Migration, ...]:
    """`NNNN_name.sql` files shipped in `package/folder`, in version order."""
    found = []
    for entry in resources.files(package).joinpath(folder).iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text()))
    return tuple(sorted(found, key=lambda m: m.version))


async def version_of(conn: asyncpg.Connection, ledger: Ledger) -> int:
    if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{ledger.schema}.schema_migrations"):
        return int(await conn.fetchval(f"SELECT coalesce(max(version), 0) FROM {ledger.schema}.schema_migrations"))
    if ledger.first_table and await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", ledger.first_table):
        return 1
    return 0


async def migrate(conn: asyncpg.Connection, ledger: Ledger) -> list[int]:
    """Bring `ledger.schema` to the latest version; returns the versions applied now."""
    applied: list[int] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", ledger.lock_key)
        current = await version_of(conn, ledger)
        if current > ledger.latest:
            raise SchemaTooNew(
                f"schema {ledger.schema} is at version {current}, this build knows versions up to {ledger.latest}:"
                " a newer release migrated it; run that release (nothing was changed)"
            )
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{ledger.schema}"')
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {ledger.schema}.schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"
        )
        if current == 1 and not await _recorded(conn, ledger, 1):  # an earlier release: version 1 exactly
            await _record(conn, ledger, ledger.migrations[0])
        for migration in ledger.migrations:
            if migration.version > current:
                await conn.execute(migration.sql)
                await _record(conn, ledger, migration)
                applied.append(migration.version)
        if ledger.repeatable:
            await conn.execute(ledger.repeatable)
    return applied


async def _recorded(conn: asyncpg.Connection, ledger: Ledger, version: int) -> bool:
    return bool(await conn.fetchval(f"SELECT 1 FROM {ledger.schema}.schema_migrations WHERE version = $1", version))


async def _record(conn: asyncpg.Connection, ledger: Ledger, migration: Migration) -> None:
    await conn.execute(
        f"INSERT INTO {ledger.schema}.schema_migrations (version, name) VALUES ($1, $2)",
        migration.version,
        migration.name,
    )
