"""A sample aggregate, `ledger`: the canonical messages ("controls") of the kernel's proofs and benchmarks.

`Noted` and `Tallied` (schema v2, with an upcaster from v1) on streams of one service, and `tally`, a
projection whose order-sensitive digest changes if any event is applied out of order, twice or never
(`expected_digest` says what it must be).
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from jingzhang.shared.applier import Delivery
from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId, encode
from jingzhang.shared.events import DomainEvent, EventRegistry
from jingzhang.shared.projection import Applicable, Projection, Source, Tx

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


def delivered(aggregate_id: str, version: int, amount: int, label: str = "") -> Delivery:
    """`Noted` as a consumer receives it from NATS, without a store or a relay: version `version` of the
    ledger `aggregate_id`, its event id derived from both (a redelivery carries the same)."""
    env = Envelope(
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"ledger/{aggregate_id}/{version}"),
        service=SERVICE,
        stream=StreamId(AGGREGATE, aggregate_id),
        version=version,
        event_type="Noted",
        schema_version=1,
        data={"amount": amount, "label": label},
        occurred_at=T0,
        recorded_at=T0,
        correlation_id=uuid.uuid4(),
        causation_id=None,
        actor="test",
    )
    return Delivery(env.subject, encode(env))


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


_P = 1000000007


async def apply_tally_many(tx: Tx, events: Sequence[Applicable]) -> None:
    """`apply_tally` for a batch, set-based: per aggregate, the batch's fold `d -> d * 31^k + c` (mod p)
    in one upsert, and the log in one insert. Same state as applying the events one by one."""
    folds: dict[str, list[int]] = {}  # aggregate -> [multiplier, constant, count, last version]
    labels: list[str] = []
    log_ids: list[uuid.UUID] = []
    log_versions: list[int] = []
    for env, payload in events:
        match payload:
            case Noted(amount=amount, label=label):
                if label:
                    labels.append(label)
            case Tallied(amount=amount):
                pass
            case _:
                continue
        fold = folds.setdefault(env.stream.aggregate_id, [1, 0, 0, 0])
        fold[0] = fold[0] * 31 % _P
        fold[1] = (fold[1] * 31 + amount) % _P
        fold[2] += 1
        fold[3] = env.version
        log_ids.append(env.event_id)
        log_versions.append(env.version)
    if labels and await tx.conn.fetchval("SELECT 1 FROM poison WHERE label = ANY($1::text[])", labels):
        raise RuntimeError("a poisoned label in the batch")
    if not folds:
        return
    await tx.conn.execute(
        "WITH u AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::int[], $5::int[])"
        " AS u(id, m, c, n, v))"
        " INSERT INTO tally AS t (aggregate_id, digest, events, last_version) SELECT id, c, n, v FROM u"
        " ON CONFLICT (aggregate_id) DO UPDATE SET"
        " digest = (t.digest * (SELECT m FROM u WHERE u.id = t.aggregate_id) + EXCLUDED.digest) % 1000000007,"
        " events = t.events + EXCLUDED.events, last_version = EXCLUDED.last_version",
        list(folds),
        [f[0] for f in folds.values()],
        [f[1] for f in folds.values()],
        [f[2] for f in folds.values()],
        [f[3] for f in folds.values()],
    )
    await tx.conn.execute("INSERT INTO applied_log SELECT * FROM unnest($1::uuid[], $2::int[])", log_ids, log_versions)


def tally(name: str = "tally", *, batched: bool = True) -> Projection:
    """`batched`: also set-based (`apply_many`), as the kernel's fast pass uses it; else one at a time."""
    return Projection(
        name=name,
        schema_sql=TALLY_SQL,
        sources=(Source(SERVICE, AGGREGATE),),
        registry=REGISTRY,
        apply=apply_tally,
        apply_many=apply_tally_many if batched else None,
    )


def expected_digest(amounts: list[int]) -> int:
    digest = 0
    for i, amount in enumerate(amounts):
        digest = amount if i == 0 else (digest * 31 + amount) % 1000000007
    return digest
