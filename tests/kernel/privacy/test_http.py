"""The HTTP edge through a tiny FastAPI app: tokens revealed per role, erasure API, refusals as 4xx.

The key store is the in-memory fake of our own interface (the PostgreSQL one has its own tests, and the
service test runs the whole path on it).
"""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import PlainTextResponse

from jingzhang.shared.clock import FixedClock
from jingzhang.shared.http import install_error_handlers
from jingzhang.shared.privacy import ERASED
from jingzhang.shared.privacy.api import privacy_router
from jingzhang.shared.privacy.keystore import MemoryKeyStore
from jingzhang.shared.privacy.middleware import RevealPersonalData
from jingzhang.shared.privacy.protect import Protector

from .sample import ID_NUMBER, NAME, NOTE, PHONE, PHOTO, WECHAT, PersonRenamed, enrolled

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


@dataclass(frozen=True)
class FakePrincipal:
    """Stands in for the auth layer's principal: only what the middleware reads."""

    role: str
    person: str | None = None
    actor: str = "bureau:tester"


async def principal_from_headers(
    request: Request, x_role: Annotated[str | None, Header()] = None, x_person: Annotated[str | None, Header()] = None
) -> None:
    if x_role:
        request.state.principal = FakePrincipal(x_role, x_person, f"{x_role}:tester")


def tiny_app(keystore: MemoryKeyStore, documents: dict[str, Any]) -> FastAPI:
    """Serves sealed documents as a read model would, and the erasure API, like `build_app` wires them."""
    app = FastAPI(dependencies=[Depends(principal_from_headers)])
    app.add_middleware(RevealPersonalData, keys=lambda: keystore)
    install_error_handlers(app)
    app.include_router(privacy_router(lambda _: keystore, FixedClock(T0)))

    @app.get("/people/{officer_id}")
    async def person(officer_id: str) -> Any:
        return documents[officer_id]

    @app.get("/text")
    async def text() -> PlainTextResponse:
        return PlainTextResponse(str(documents["o-1"]["officer"]["name"]))

    @app.post("/people/{officer_id}/rename")
    async def rename(officer_id: str, name: str) -> dict[str, str]:
        [doc] = await Protector(keystore).serialise([PersonRenamed(officer_id=officer_id, name=name)])
        return json.loads(doc)  # type: ignore[no-any-return]

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    keystore = MemoryKeyStore()
    protector = Protector(keystore)
    docs = {
        oid: {"officer": json.loads(doc), "visits": 12}
        for oid, doc in zip(
            ("o-1", "o-2"),
            await protector.serialise([enrolled("o-1"), enrolled("o-2", name="王芳")]),
            strict=True,
        )
    }
    transport = httpx.ASGITransport(app=tiny_app(keystore, docs))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def as_role(role: str, person: str | None = None) -> dict[str, str]:
    return {"x-role": role, **({"x-person": person} if person else {})}


class TestReveal:
    async def test_the_bureau_sees_everything_in_clear(self, client: httpx.AsyncClient) -> None:
        resp = await client.get("/people/o-1", headers=as_role("bureau"))

        officer = resp.json()["officer"]
        assert resp.status_code == 200
        assert int(resp.headers["content-length"]) == len(resp.content)
        assert (officer["name"], officer["phone"], officer["wechat"]) == (NAME, PHONE, WECHAT)
        assert (officer["id_number"], officer["photo_ref"], officer["notes"]) == (ID_NUMBER, PHOTO, [NOTE])
        assert resp.json()["visits"] == 12

    async def test_an_auditor_sees_names_masked_phones_and_no_photo_or_notes(self, client: httpx.AsyncClient) -> None:
        officer = (await client.get("/people/o-1", headers=as_role("auditor"))).json()["officer"]

        assert officer["name"] == NAME
        assert officer["phone"] == "138****5678"
        assert officer["id_number"] == "3301**********1234"
        assert officer["photo_ref"] == officer["notes"][0] == "[hidden]"
        assert PHONE not in json.dumps(officer)

    async def test_an_enterprise_contact_sees_phones_but_not_id_numbers_or_photos(
        self, client: httpx.AsyncClient
    ) -> None:
        officer = (await client.get("/people/o-1", headers=as_role("enterprise_contact"))).json()["officer"]

        assert (officer["phone"], officer["wechat"]) == (PHONE, WECHAT)
        assert officer["id_number"] == "3301**********1234"
        assert officer["photo_ref"] == "[hidden]"

    async def test_an_officer_sees_their_own_id_number_but_not_a_colleagues(self, client: httpx.AsyncClient) -> None:
        own = (await client.get("/people/o-1", headers=as_role("officer", "officer/o-1"))).json()["officer"]
        other = (await client.get("/people/o-2", headers=as_role("officer", "officer/o-1"))).json()["officer"]

        assert own["id_number"] == ID_NUMBER
        assert other["id_number"] == "3301**********1234"
        assert other["name"] == "王芳"

    async def test_without_a_principal_only_names_show(self, client: httpx.AsyncClient) -> None:
        officer = (await client.get("/people/o-1")).json()["officer"]

        assert officer["name"] == NAME
        assert officer["phone"] == "138****5678"
        assert officer["photo_ref"] == officer["notes"][0] == "[hidden]"

    async def test_a_response_that_is_not_json_is_passed_through_untouched(self, client: httpx.AsyncClient) -> None:
        resp = await client.get("/text", headers=as_role("bureau"))

        assert resp.text.startswith("pii:1:name:officer/o-1:")


class TestErasure:
    async def test_erasing_a_person_shows_them_erased_everywhere_and_keeps_the_rest(
        self, client: httpx.AsyncClient
    ) -> None:
        resp = await client.post("/privacy/erasures", json={"subject": "officer/o-1"}, headers=as_role("bureau"))
        erased = (await client.get("/people/o-1", headers=as_role("bureau"))).json()
        other = (await client.get("/people/o-2", headers=as_role("bureau"))).json()

        assert resp.status_code == 200
        assert resp.json() == {
            "subject": "officer/o-1",
            "erased_at": "2026-03-01T09:00:00Z",
            "erased_by": "bureau:tester",
        }
        assert erased["officer"]["name"] == erased["officer"]["phone"] == erased["officer"]["notes"][0] == ERASED
        assert erased["officer"]["contacts"][0]["name"] != ERASED  # the enterprise contact is another person
        assert erased["visits"] == 12
        assert other["officer"]["name"] == "王芳"

    async def test_an_erasure_can_be_read_back_and_repeating_it_changes_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        first = await client.post("/privacy/erasures", json={"subject": "officer/o-1"}, headers=as_role("bureau"))
        again = await client.post(
            "/privacy/erasures", json={"subject": "officer/o-1"}, headers=as_role("station_chief")
        )
        read = await client.get("/privacy/erasures/officer/o-1")

        assert first.json() == again.json() == read.json()

    async def test_new_personal_data_for_an_erased_person_is_409(self, client: httpx.AsyncClient) -> None:
        await client.post("/privacy/erasures", json={"subject": "officer/o-1"})

        resp = await client.post("/people/o-1/rename", params={"name": "张三"})

        assert resp.status_code == 409
        assert resp.json()["code"] == "person_erased"
        assert resp.json()["field"] == "name"

    @pytest.mark.parametrize("subject", ["officer", "officer/a b", "Officer/o-1", "officer/o:1"])
    async def test_a_malformed_subject_is_422_naming_the_field(self, client: httpx.AsyncClient, subject: str) -> None:
        resp = await client.post("/privacy/erasures", json={"subject": subject})

        assert resp.status_code == 422
        assert resp.json()["field"] == "subject"

    async def test_an_unknown_subject_is_404_and_has_no_erasure(self, client: httpx.AsyncClient) -> None:
        erase = await client.post("/privacy/erasures", json={"subject": "officer/nobody"})
        read = await client.get("/privacy/erasures/officer/o-2")

        assert erase.status_code == 404
        assert read.status_code == 404


class TestEdgeCases:
    async def test_a_body_without_tokens_passes_byte_for_byte(self) -> None:
        app = FastAPI()
        app.add_middleware(RevealPersonalData, keys=lambda: None)  # never consulted

        @app.get("/plain")
        async def plain() -> dict[str, object]:
            return {"visits": 12, "name": "not personal", "pii": "pii:2:other"}

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            resp = await http.get("/plain")

        assert resp.content == b'{"visits":12,"name":"not personal","pii":"pii:2:other"}'

    async def test_tokens_without_a_key_store_fail_closed_with_503(self) -> None:
        keystore = MemoryKeyStore()
        [doc] = await Protector(keystore).serialise([enrolled("o-1")])
        app = FastAPI()
        app.add_middleware(RevealPersonalData, keys=lambda: None)  # not started

        @app.get("/person")
        async def person() -> Any:
            return json.loads(doc)

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            resp = await http.get("/person")

        assert resp.status_code == 503
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.headers["retry-after"] == "2"  # a passing state: the client is told when to try again
        assert int(resp.headers["content-length"]) == len(resp.content)
        problem = resp.json()
        assert problem["code"] == "keystore_unavailable"
        assert (problem["status"], problem["type"]) == (503, "https://jingzhang.example/problems/keystore_unavailable")
        assert problem["instance"] == "/person"
        assert "pii:1:" not in resp.text
