"""The facts projection tolerates what a producer may add without asking anyone: a field its readers do
not know and an event type they do not declare are applied (logged in `fact_events`, otherwise left
alone), never parked. Envelopes go through the kernel's `Applier` into PostgreSQL, the consumer's path.
"""

from dataclasses import replace
from typing import Any

import asyncpg

from jingzhang.evaluation.projections.facts import PROJECTION as FACTS
from jingzhang.shared.applier import Applier, Delivery, Outcome
from jingzhang.shared.envelope import Envelope, encode
from jingzhang.shared.projection import install

from ..samples import PC, chief, enterprise, envelope

SCHEMA = "proj_facts_tolerance"


def grown(env: Envelope, **fields: Any) -> Envelope:
    """The envelope as a later version of its producer might publish it: more fields in its data."""
    return replace(env, data={**env.data, **fields})


def deliveries() -> list[Delivery]:
    registered = grown(envelope(enterprise("e1"), 1, 0), introduced_later={"any": ["shape"]})
    assigned = grown(envelope(chief("e1", "o1", PC), 2, 1), ceremony="at the gate")
    commended = replace(
        envelope(chief("e1", "o1", PC), 3, 2),
        event_type="ChiefCommended",
        data={"enterprise_id": "e1", "officer_id": "o1", "citation": "for the flood"},
    )
    return [Delivery(env.subject, encode(env)) for env in (registered, assigned, commended)]


async def test_an_unknown_field_and_an_undeclared_type_are_applied_not_parked(pool: asyncpg.Pool) -> None:
    applier = Applier(FACTS, None, schema=SCHEMA)
    async with pool.acquire() as conn:
        await install(conn, FACTS, SCHEMA)

        outcomes = await applier.apply_batch(conn, deliveries())

        assert outcomes == [Outcome.APPLIED] * 3
        logged = await conn.fetch(f"SELECT event_type FROM {SCHEMA}.fact_events ORDER BY version")
        assert [r["event_type"] for r in logged] == ["EnterpriseRegistered", "ChiefAssigned", "ChiefCommended"]
        enterprises = await conn.fetch(f"SELECT enterprise_id, enterprise_class, status FROM {SCHEMA}.enterprises")
        assert [tuple(r) for r in enterprises] == [("e1", "city_key_project", "active")]
        terms = await conn.fetch(f"SELECT enterprise_id, officer_id, tier, slot FROM {SCHEMA}.chief_terms")
        assert [tuple(r) for r in terms] == [("e1", "o1", "police_chief", "A")]
