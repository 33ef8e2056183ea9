"""Which replica owns which partition: PostgreSQL session advisory locks and a members table.

All replicas of a service share its database. Each replica keeps one connection for the whole time
it takes part, and through it:

- registers in `replicas.members` and refreshes `seen_at` on every heartbeat; a member whose
  session is gone (its process died) or whose heartbeat is older than `ttl` (it hangs) is removed by
  whichever replica looks next, so the others count one replica fewer and take a larger share;
- owns a partition while it holds the session advisory lock named after the partition's durable
  consumer. A lock is never held by two sessions, and dies with its session, so a replica that
  crashes or loses its database connection loses its partitions at once and another takes them.

Ownership is about sharing the work, not about correctness: the `Applier` serialises each
projection's transactions with a transaction-level advisory lock and applies an event only when its
version follows the stream's checkpoint, so even two consumers of one partition (a replica that
has not noticed yet that its session died) apply every event once and in order.
"""

import hashlib
from dataclasses import dataclass, field

import asyncpg

from jingzhang.shared import sessions

SCHEMA_SQL = """
CREATE SCHEMA IF NOT EXISTS replicas;
CREATE TABLE IF NOT EXISTS replicas.members (
    replica     text PRIMARY KEY,
    backend_pid integer NOT NULL,
    joined_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    seen_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
"""

_HEARTBEAT = """
INSERT INTO replicas.members (replica, backend_pid) VALUES ($1, pg_backend_pid())
ON CONFLICT (replica) DO UPDATE SET backend_pid = pg_backend_pid(), seen_at = clock_timestamp()
"""

_FORGET_THE_GONE = """
DELETE FROM replicas.members m
WHERE m.seen_at < clock_timestamp() - make_interval(secs => $1)
   OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = m.backend_pid)
"""


def lock_key(durable: str) -> int:
    """A partition's lock: 64 bits of a hash of its durable consumer's name (unique per service)."""
    digest = hashlib.blake2b(f"partition:{durable}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def install(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(7231003)")  # concurrent starts install once
        await conn.execute(SCHEMA_SQL)


@dataclass
class Claims:
    """One replica's membership and partition locks, all on the connection given to each call."""

    replica: str
    ttl: float = 10.0
    held: set[str] = field(default_factory=set)
    """Durable names whose locks this replica's session holds."""

    async def heartbeat(self, conn: asyncpg.Connection) -> list[str]:
        """Refresh this replica, forget the gone ones; the live members, sorted."""
        await conn.execute(_HEARTBEAT, self.replica)
        await conn.execute(_FORGET_THE_GONE, self.ttl)
        rows = await conn.fetch("SELECT replica FROM replicas.members ORDER BY replica")
        return [r["replica"] for r in rows]

    async def try_claim(self, conn: asyncpg.Connection, durable: str) -> bool:
        if durable in self.held:
            return True
        sessions.holds_session_state(conn)
        if await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(durable)):
            self.held.add(durable)
            return True
        return False

    async def release(self, conn: asyncpg.Connection, durable: str) -> None:
        if durable in self.held:
            await conn.execute("SELECT pg_advisory_unlock($1)", lock_key(durable))
            self.held.discard(durable)

    async def leave(self, conn: asyncpg.Connection) -> None:
        """Give up every partition and the membership, so the others take over without waiting."""
        await conn.execute("SELECT pg_advisory_unlock_all()")
        await conn.execute("DELETE FROM replicas.members WHERE replica = $1", self.replica)
        self.held.clear()

    def lost(self) -> None:
        """The session ended: its locks went with it."""
        self.held.clear()
