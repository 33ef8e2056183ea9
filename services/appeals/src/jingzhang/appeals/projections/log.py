"""The appeal's own events, kept inside a projection's schema so it can fold the appeal's state.

A projection row such as a deadline or a queue entry depends on the whole appeal (its paused clock,
its holder), not on one event. Each projection that needs the state records the stream here and
folds it with the domain's own `evolve`: a replay rebuilds exactly the same state.
"""

import json

import asyncpg

from jingzhang.appeals.domain.state import APPEAL, AppealState
from jingzhang.appeals.events import REGISTRY
from jingzhang.shared.aggregate import fold
from jingzhang.shared.envelope import Envelope

LOG_SQL = """
CREATE TABLE IF NOT EXISTS appeal_log (
    appeal_id       text NOT NULL,
    version         integer NOT NULL,
    event_type      text NOT NULL,
    schema_version  integer NOT NULL,
    data            jsonb NOT NULL,
    PRIMARY KEY (appeal_id, version)
);
"""


async def record_and_fold(conn: asyncpg.Connection, env: Envelope) -> AppealState:
    """Record `env` in this schema's `appeal_log` and fold the appeal up to it."""
    appeal_id = env.stream.aggregate_id
    await conn.execute(
        "INSERT INTO appeal_log VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING",
        appeal_id,
        env.version,
        env.event_type,
        env.schema_version,
        json.dumps(env.data),
    )
    rows = await conn.fetch(
        "SELECT event_type, schema_version, data::text AS data FROM appeal_log"
        " WHERE appeal_id = $1 AND version <= $2 ORDER BY version",
        appeal_id,
        env.version,
    )
    events = [REGISTRY.decode(r["event_type"], r["schema_version"], json.loads(r["data"])) for r in rows]
    return fold(APPEAL.evolve, APPEAL.initial, events)
