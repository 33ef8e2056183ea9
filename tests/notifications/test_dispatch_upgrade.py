"""A deployment whose dispatch reactor the previous release installed (its DDL recorded by fingerprint,
its chiefs undated) starts under this release with no operator step, and tells the station chief its
undated tables held: a reactor whose tables changed would refuse to start, and a replay cannot refill
it, so the dated tables are made beside the old ones from what those hold."""

from datetime import timedelta

import asyncpg
import pytest

from jingzhang.assignment.domain.events import ChiefTier, CoverageGapOpened
from jingzhang.notifications.bootstrap import create_app
from jingzhang.notifications.reactors import dispatch
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.envelope import StreamId
from jingzhang.shared.migrations import META_SQL
from jingzhang.shared.projection import install
from tests.apps import running
from tests.kernel.helpers import eventually
from tests.notifications.conftest import ENTERPRISE_NAME, NOW, World, notifications_settings, register_enterprise

pytestmark = pytest.mark.e2e

RELEASED = "14bf440be5bc65248a6eda35"
"""The fingerprint of the dispatch reactor's DDL as released, recorded in every deployment."""


async def previous_release_applied(conn: asyncpg.Connection, version: int) -> None:
    """What the previous release's facts held of ent-u's station chiefs once it had applied its stream up
    to `version`."""
    await conn.execute("INSERT INTO proj_dispatch.enterprises VALUES ('ent-u', $1)", ENTERPRISE_NAME)
    for slot, officer_id in (("A", "station-a"), ("B", "station-b")):
        await conn.execute(
            "INSERT INTO proj_dispatch.chiefs VALUES ('ent-u', 'station_chief', $1, $2)", slot, officer_id
        )
    await conn.execute("INSERT INTO proj_dispatch.acting VALUES ('ent-u', 'station_chief', 'station-a')")
    await conn.execute(
        "INSERT INTO proj_dispatch._tracking (stream_key, version, event_id)"
        " VALUES ('assignment/enterprise/ent-u', $1, gen_random_uuid())",
        version,
    )


async def test_the_reactor_of_the_previous_release_starts_and_tells_the_chief_it_held(world: World) -> None:
    settings = await notifications_settings(world)
    await register_enterprise(world, "ent-u")  # station-a acting: what the previous release applied
    version = world.assignment.versions[StreamId("enterprise", "ent-u")]
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        async with pool.acquire() as conn:
            await conn.execute(META_SQL)
            await install(conn, dispatch.REACTOR)
            await conn.execute("INSERT INTO jz_meta.projection_schemas VALUES ('dispatch', $1)", RELEASED)
            await previous_release_applied(conn, version)

        raised = NOW + timedelta(hours=1)
        async with running(create_app(settings, FixedClock(raised))):
            gap = CoverageGapOpened(enterprise_id="ent-u", missing=(ChiefTier.POLICE_CHIEF,), reason="test")
            await world.assignment.emit("enterprise", "ent-u", raised, gap)

            async def decided() -> bool:
                found = await pool.fetchval(
                    "SELECT version FROM proj_dispatch._tracking WHERE stream_key = 'assignment/enterprise/ent-u'"
                )
                return bool(found == version + 1)

            await eventually(decided, timeout=20)
            rows = await pool.fetch(
                "SELECT recipient FROM proj_dispatch.outbox"
                " WHERE ref = 'ent-u' AND channel = 'sms' AND decided_at = $1",
                raised,
            )
            assert [r["recipient"] for r in rows] == ["officer/station-a"]
            terms = await pool.fetchval("SELECT count(*) FROM proj_dispatch.chief_terms WHERE enterprise_id = 'ent-u'")
            assert terms == 2  # taken from the undated table, not replayed: the registration was applied before
    finally:
        await pool.close()
