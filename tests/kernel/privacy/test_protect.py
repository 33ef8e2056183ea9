"""Sealing on append and revealing for a viewer, with the key store faked in memory (our own interface)."""

import json
from datetime import UTC, datetime
from typing import Annotated

import pytest
from pydantic import Field

from jingzhang.shared.events import DomainEvent
from jingzhang.shared.privacy import ERASED, Personal, PersonalKind, PersonErased, tokens
from jingzhang.shared.privacy.keystore import MemoryKeyStore
from jingzhang.shared.privacy.policy import Viewer
from jingzhang.shared.privacy.protect import Protector, has_personal_data
from jingzhang.shared.privacy.reveal import reveal_text

from .sample import (
    CONTACT_NAME,
    ID_NUMBER,
    NAME,
    NOTE,
    PHONE,
    PHOTO,
    PLAINTEXTS,
    REGISTRY,
    WECHAT,
    PersonEnrolled,
    PersonRenamed,
    UnitCounted,
    enrolled,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
BUREAU = Viewer(role="bureau")


async def sealed(keys: MemoryKeyStore, *payloads: DomainEvent) -> list[dict[str, object]]:
    return [json.loads(doc) for doc in await Protector(keys).serialise(list(payloads))]


class TestSealing:
    async def test_every_personal_field_becomes_a_token_and_the_rest_stays(self) -> None:
        [data] = await sealed(MemoryKeyStore(), enrolled())

        raw = json.dumps(data, ensure_ascii=False)
        assert not [p for p in PLAINTEXTS if p in raw]
        assert str(data["name"]).startswith("pii:1:name:officer/o-1:")
        assert str(data["phone"]).startswith("pii:1:phone:officer/o-1:")
        assert str(data["id_number"]).startswith("pii:1:id_number:officer/o-1:")
        assert str(data["photo_ref"]).startswith("pii:1:photo:officer/o-1:")
        assert [str(n)[:26] for n in data["notes"]] == ["pii:1:free_text:officer/o-"]  # type: ignore[attr-defined]
        assert data["contacts"][0]["name"].startswith("pii:1:name:contact/e-1:")  # type: ignore[index]
        assert (data["unit"], data["rank"], data["officer_id"]) == ("恒口派出所", 3, "o-1")

    async def test_none_stays_none_and_an_event_without_personal_data_is_stored_as_before(self) -> None:
        plain = UnitCounted(unit="u", officers=3)
        [data, other] = await sealed(MemoryKeyStore(), enrolled(phone=None, notes=[]), plain)

        assert data["phone"] is None
        assert data["notes"] == []
        assert other == json.loads(plain.model_dump_json())

    async def test_a_token_copied_from_another_event_is_kept_as_it_is(self) -> None:
        keys = MemoryKeyStore()
        [first] = await sealed(keys, enrolled())

        [copied] = await sealed(keys, PersonRenamed(officer_id="o-1", name=str(first["name"])))

        assert copied["name"] == first["name"]

    async def test_sealed_events_decode_with_their_registry(self) -> None:
        [data] = await sealed(MemoryKeyStore(), enrolled())

        event = REGISTRY.decode("PersonEnrolled", 1, data)

        assert isinstance(event, PersonEnrolled)
        assert tokens.parse(event.name) is not None

    async def test_an_erased_person_gets_no_new_personal_data(self) -> None:
        keys = MemoryKeyStore()
        await sealed(keys, enrolled())
        await keys.erase("officer/o-1", "bureau:b", T0)

        with pytest.raises(PersonErased) as refused:
            await sealed(keys, PersonRenamed(officer_id="o-1", name="王芳"))

        assert refused.value.code == "person_erased"
        assert refused.value.field == "name"
        assert "officer/o-1" in refused.value.reason
        assert await sealed(keys, UnitCounted(unit="u", officers=1))  # the rest of the history goes on

    def test_a_personal_field_of_another_type_is_refused_when_first_used(self) -> None:
        class Bad(DomainEvent):
            officer_id: str
            age: Annotated[int, Personal(PersonalKind.FREE_TEXT, subject="officer/{officer_id}")]

        with pytest.raises(TypeError, match=r"Bad.age: a Personal field must be str"):
            has_personal_data(Bad)

    def test_a_personal_field_with_a_pattern_is_refused_since_its_token_would_not_read_back(self) -> None:
        class Patterned(DomainEvent):
            officer_id: str
            phone: Annotated[str, Field(pattern=r"^1\d{10}$"), Personal(PersonalKind.PHONE, subject="o/{officer_id}")]

        with pytest.raises(TypeError, match=r"Patterned.phone: .*pattern"):
            has_personal_data(Patterned)


class TestRevealing:
    async def test_the_bureau_sees_every_value(self) -> None:
        keys = MemoryKeyStore()
        [data] = await sealed(keys, enrolled())

        shown = json.loads(await reveal_text(keys, json.dumps(data), BUREAU))

        assert shown["name"] == NAME
        assert (shown["phone"], shown["wechat"], shown["id_number"], shown["photo_ref"]) == (
            PHONE,
            WECHAT,
            ID_NUMBER,
            PHOTO,
        )
        assert shown["notes"] == [NOTE]
        assert shown["contacts"][0]["name"] == CONTACT_NAME

    async def test_an_auditor_sees_names_and_masks(self) -> None:
        keys = MemoryKeyStore()
        [data] = await sealed(keys, enrolled())

        shown = json.loads(await reveal_text(keys, json.dumps(data), Viewer(role="auditor")))

        assert shown["name"] == NAME
        assert shown["phone"] == "138****5678"
        assert shown["id_number"] == "3301**********1234"
        assert shown["photo_ref"] == shown["notes"][0] == "[hidden]"

    async def test_an_erased_person_shows_as_erased_and_others_do_not(self) -> None:
        keys = MemoryKeyStore()
        [data] = await sealed(keys, enrolled())
        await keys.erase("officer/o-1", "bureau:b", T0)

        shown = json.loads(await reveal_text(keys, json.dumps(data), BUREAU))

        assert shown["name"] == shown["phone"] == shown["id_number"] == shown["notes"][0] == ERASED
        assert shown["contacts"][0]["name"] == CONTACT_NAME  # another subject
        assert shown["rank"] == 3

    async def test_a_token_inside_a_longer_string_is_replaced_json_escaped(self) -> None:
        keys = MemoryKeyStore()
        [data] = await sealed(keys, PersonRenamed(officer_id="o-1", name='say "hi"\n'))
        document = json.dumps({"line": f"renamed to {data['name']}!"})

        shown = json.loads(await reveal_text(keys, document, BUREAU))

        assert shown == {"line": 'renamed to say "hi"\n!'}

    async def test_a_token_without_a_known_key_shows_unavailable(self) -> None:
        [data] = await sealed(MemoryKeyStore(), enrolled())

        shown = json.loads(await reveal_text(MemoryKeyStore(), json.dumps(data), BUREAU))

        assert shown["name"] == "[unavailable]"
