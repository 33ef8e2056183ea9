"""Pooled connections that carry session state are marked, so that the pool resets only those.

asyncpg resets every connection it takes back (`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
RESET ALL;`): one more round trip on every release, about 7 % of a service's CPU under load. Our
transactions keep their state inside the transaction (`SET LOCAL`, transaction-level advisory locks);
only session advisory locks and LISTEN outlive one, and the few places that take them (the relay,
republish, partition claims, projection migrations) mark their connection with `holds_session_state`
before they do. The pool still rolls back an open transaction and drops listener callbacks on every
release (asyncpg's own part of a reset, which runs before `reset` here).
"""

import weakref
from typing import Any

import asyncpg

_marked: "weakref.WeakSet[asyncpg.Connection]" = weakref.WeakSet()


def holds_session_state(conn: Any) -> None:
    """`conn` (a pool's proxy or a connection) is about to take session state: reset it on release."""
    _marked.add(getattr(conn, "_con", None) or conn)


async def reset(conn: asyncpg.Connection) -> None:
    """The pool's reset: the full one for a marked connection, nothing more for the others."""
    if conn in _marked:
        _marked.discard(conn)
        query = conn.get_reset_query()
        if query:
            await conn.execute(query)
