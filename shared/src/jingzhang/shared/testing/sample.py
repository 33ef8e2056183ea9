"""A sample aggregate, `ledger`: the canonical messages ("controls") of the kernel's proofs and benchmarks.

`Noted` and `Tallied` (schema v2, with an upcaster from v1) on streams of one service, and `tally`, a
projection whose order-sensitive digest changes if any event is applied out of order, twice or never
(`expected_digest` says what it must be).
"""

import uuid
from datetime import UTC, datetime

from jingzhang.shared.envelope import Envelope, Metadata, NewEvent
from jingzhang.shared.events import DomainEvent, EventRegistry
from jingzhang.shared.projection import Projection, Source, Tx

# the kernel knows no service: the samples borrow the stream of this one, which the tests provision
SERVICE = "assignment"
AGGREGATE = "ledger"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Noted(DomainEvent):
    amount: int
    label: str = ""


class Tallied(DomainEvent):
    """Schema v2 of `Tallied`: v1 had `value`; v2 splits it into `amount` and `unit`."""

    schema_version = 2
    amount: int
    unit: str


class TalliedV1(DomainEvent):
    event_type = "Tallied"
    value: int


REGISTRY = EventRegistry([Noted, Tallied])


@REGISTRY.upcaster("Tallied", 1)
def _tallied_v1_to_v2(data: dict[str, object]) -> dict[str, object]:
    return {"amount": data["value"], "unit": "piece"}


V1_REGISTRY = EventRegistry([Noted, TalliedV1])


def meta(actor: str = "test") -> Metadata:
    return Metadata(actor=actor, correlation_id=uuid.uuid4())


def noted(amount: int, label: str = "") -> NewEvent:
    return NewEvent(Noted(amount=amount, label=label), T0)


TALLY_SQL = """
CREATE TABLE IF NOT EXISTS tally (
    aggregate_id text PRIMARY KEY,
    digest       bigint NOT NULL,   -- order-sensitive fold: a reordering changes it
    events       integer NOT NULL,
    last_version integer NOT NULL
);
CREATE TABLE IF NOT EXISTS applied_log (event_id uuid NOT NULL, version integer NOT NULL);
CREATE TABLE IF NOT EXISTS poison (label text PRIMARY KEY);
"""


async def apply_tally(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    match payload:
        case Noted(amount=amount, label=label):
            if label and await tx.conn.fetchval("SELECT 1 FROM poison WHERE label = $1", label):
                raise RuntimeError(f"poisoned label {label}")
        case Tallied(amount=amount):
            pass
        case _:
            return
    await tx.conn.execute(
        "INSERT INTO tally AS t (aggregate_id, digest, events, last_version) VALUES ($1, $2, 1, $3)"
        " ON CONFLICT (aggregate_id) DO UPDATE SET digest = (t.digest * 31 + $2) % 1000000007,"
        " events = t.events + 1, last_version = $3",
        env.stream.aggregate_id,
        amount,
        env.version,
    )
    await tx.conn.execute("INSERT INTO applied_log VALUES ($1, $2)", env.event_id, env.version)


def tally(name: str = "tally") -> Projection:
    return Projection(
        name=name,
        schema_sql=TALLY_SQL,
        sources=(Source(SERVICE, AGGREGATE),),
        registry=REGISTRY,
        apply=apply_tally,
    )


def expected_digest(amounts: list[int]) -> int:
    digest = 0
    for i, amount in enumerate(amounts):
        digest = amount if i == 0 else (digest * 31 + amount) % 1000000007
    return digest
