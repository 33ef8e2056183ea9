"""The event store seals personal data on append (real PostgreSQL); erasure leaves the history readable."""

import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from jingzhang.shared.envelope import Metadata, NewEvent, StreamId
from jingzhang.shared.privacy import ERASED, PersonErased, tokens
from jingzhang.shared.privacy.keystore import PostgresKeyStore
from jingzhang.shared.privacy.policy import Viewer
from jingzhang.shared.privacy.protect import Protector
from jingzhang.shared.privacy.reveal import reveal_text
from jingzhang.shared.store.postgres import PostgresEventStore

from ..helpers import install_store
from .sample import NAME, PHONE, PLAINTEXTS, REGISTRY, PersonEnrolled, PersonRenamed, UnitCounted, enrolled

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
BUREAU = Viewer(role="bureau")
META = Metadata(actor="bureau:b", correlation_id=uuid.UUID(int=1))


def stream(officer_id: str) -> StreamId:
    return StreamId("person", officer_id)


@pytest.fixture
async def store(pool: asyncpg.Pool, keystore: PostgresKeyStore) -> PostgresEventStore:
    await install_store(pool)
    return PostgresEventStore(pool, "assignment", Protector(keystore))


async def raw_log(pool: asyncpg.Pool) -> str:
    return "\n".join(await pool.fetchval("SELECT array_agg(data::text ORDER BY position) FROM es.events"))


async def roster(store: PostgresEventStore, keystore: PostgresKeyStore, *ids: str) -> dict[str, object]:
    """A replay: fold every person's events into (name, phone, events) and reveal it as the bureau."""
    rows: dict[str, dict[str, object]] = {}
    for officer_id in ids:
        for env in await store.read_stream(stream(officer_id)):
            event = env.payload(REGISTRY)
            row = rows.setdefault(officer_id, {"events": 0})
            row["events"] = int(str(row["events"])) + 1
            match event:
                case PersonEnrolled(name=name, phone=phone):
                    row.update(name=name, phone=phone)
                case PersonRenamed(name=name):
                    row.update(name=name)
    return json.loads(await reveal_text(keystore, json.dumps(rows), BUREAU))


async def test_personal_fields_are_stored_as_tokens_and_read_back_as_tokens(
    pool: asyncpg.Pool, store: PostgresEventStore, keystore: PostgresKeyStore
) -> None:
    await store.append(stream("o-1"), 0, [NewEvent(enrolled("o-1"), T0)], META)

    raw = await raw_log(pool)
    [env] = await store.read_stream(stream("o-1"))
    event = env.payload(REGISTRY)

    assert not [p for p in PLAINTEXTS if p in raw]
    assert isinstance(event, PersonEnrolled)
    assert tokens.parse(event.name) is not None
    assert (event.unit, event.rank) == ("恒口派出所", 3)
    assert await roster(store, keystore, "o-1") == {"o-1": {"events": 1, "name": NAME, "phone": PHONE}}


async def test_appends_inside_a_callers_transaction_are_sealed_too(
    pool: asyncpg.Pool, store: PostgresEventStore
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await store.append_in(conn, stream("o-1"), 0, [NewEvent(enrolled("o-1"), T0)], META)

    assert NAME not in await raw_log(pool)


async def test_after_erasure_the_history_replays_with_the_person_erased_and_the_counts_intact(
    store: PostgresEventStore, keystore: PostgresKeyStore
) -> None:
    await store.append(stream("o-1"), 0, [NewEvent(enrolled("o-1"), T0)], META)
    await store.append(stream("o-1"), 1, [NewEvent(PersonRenamed(officer_id="o-1", name="张伟伟"), T0)], META)
    await store.append(stream("o-2"), 0, [NewEvent(enrolled("o-2", name="王芳"), T0)], META)
    before = await roster(store, keystore, "o-1", "o-2")

    await keystore.erase("officer/o-1", "bureau:b", T0)
    after = await roster(store, keystore, "o-1", "o-2")

    assert before["o-1"] == {"events": 2, "name": "张伟伟", "phone": PHONE}
    assert after["o-1"] == {"events": 2, "name": ERASED, "phone": ERASED}
    assert after["o-2"] == before["o-2"] == {"events": 1, "name": "王芳", "phone": PHONE}


async def test_new_personal_data_for_an_erased_person_is_refused_and_nothing_is_written(
    store: PostgresEventStore, keystore: PostgresKeyStore
) -> None:
    await store.append(stream("o-1"), 0, [NewEvent(enrolled("o-1"), T0)], META)
    await keystore.erase("officer/o-1", "bureau:b", T0)

    batch = [
        NewEvent(UnitCounted(unit="u", officers=1), T0),
        NewEvent(PersonRenamed(officer_id="o-1", name="张三"), T0),
    ]
    with pytest.raises(PersonErased) as refused:
        await store.append(stream("o-1"), 1, batch, META)

    assert (refused.value.code, refused.value.field) == ("person_erased", "name")
    assert len(await store.read_stream(stream("o-1"))) == 1
    assert await store.append(stream("o-1"), 1, [NewEvent(UnitCounted(unit="u", officers=1), T0)], META) == 2


async def test_a_token_altered_in_the_database_shows_as_invalid_never_as_other_data(
    pool: asyncpg.Pool, store: PostgresEventStore, keystore: PostgresKeyStore
) -> None:
    await store.append(stream("o-1"), 0, [NewEvent(enrolled("o-1"), T0)], META)
    token = await pool.fetchval("SELECT data->>'name' FROM es.events")
    altered = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    await pool.execute("UPDATE es.events SET data = jsonb_set(data, '{name}', to_jsonb($1::text))", altered)

    shown = await roster(store, keystore, "o-1")

    assert shown["o-1"] == {"events": 1, "name": "[invalid]", "phone": PHONE}
