"""The HTTP edge's guards on a bare app (no servers): what the fuzzer relies on, case by case."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel

from jingzhang.shared.http import (
    MAX_BODY_BYTES,
    PROBLEM_RESPONSES,
    install_error_handlers,
    install_input_guards,
    storable_input,
)


class Body(BaseModel):
    name: str
    tags: list[str] = []


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_input_guards(app)
    router = APIRouter()

    @router.post("/things/{thing_id}")
    async def post_thing(thing_id: str, body: Body, q: str | None = None) -> dict[str, Any]:
        return {"thing_id": thing_id, "name": body.name, "tags": body.tags, "q": q}

    app.include_router(router, dependencies=[Depends(storable_input)], responses=PROBLEM_RESPONSES)
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://edge") as http:
        yield http


async def _post(client: httpx.AsyncClient, raw: str | bytes, path: str = "/things/t-1") -> httpx.Response:
    content = raw.encode() if isinstance(raw, str) else raw
    return await client.post(path, content=content, headers={"content-type": "application/json"})


async def test_valid_input_reaches_the_route_whole(client: httpx.AsyncClient) -> None:
    response = await _post(client, '{"name": "Hengkou \\ud83d\\ude93", "tags": ["a"]}', "/things/t-1?q=x")
    assert response.status_code == 200, response.text
    assert response.json() == {"thing_id": "t-1", "name": "Hengkou 🚓", "tags": ["a"], "q": "x"}


@pytest.mark.parametrize(
    ("raw", "path", "field", "what"),
    [
        ('{"name": "a\\u0000b"}', "/things/t-1", "name", "NUL"),
        ('{"name": "a", "tags": ["ok", "\\udc00"]}', "/things/t-1", "tags.1", "surrogate"),
        ('{"name": "a", "\\u0000": 1}', "/things/t-1", "\x00", "NUL"),
        ('{"name": "a"}', "/things/t%001", "thing_id", "NUL"),
        ('{"name": "a"}', "/things/t-1?q=%00", "q", "NUL"),
        (b'{"name": "a\xed\xa0\x80b"}', "/things/t-1", "name", "surrogate"),  # its UTF-8 bytes, no escape
        ('{"name": "a\\u0000b"}'.encode("utf-16"), "/things/t-1", "name", "NUL"),  # a UTF-16 body
    ],
)
async def test_text_postgresql_cannot_store_is_a_422_naming_the_field(
    client: httpx.AsyncClient, raw: str | bytes, path: str, field: str, what: str
) -> None:
    response = await _post(client, raw, path)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == field
    assert problem["code"] == "invalid"
    assert what in problem["detail"]


@pytest.mark.parametrize(
    ("raw", "field", "what"),
    [
        ('{"name": "a", "count": 2147483648}', "count", "larger than"),
        ('{"name": "a", "count": -2147483649}', "count", "smaller than"),
        ('{"name": "a", "nested": {"n": [1, 18446744073709551616]}}', "nested.n.1", "larger than"),
        ('{"name": "a", "count": 1' + "0" * 400 + "}", "count", "larger than"),
        ('{"name": "a", "ratio": 1e400}', "ratio", "not a finite number"),
        ('{"name": "a", "ratio": NaN}', "ratio", "not a finite number"),
    ],
)
async def test_a_number_no_reader_can_hold_is_a_422_naming_the_field(
    client: httpx.AsyncClient, raw: str, field: str, what: str
) -> None:
    response = await _post(client, raw)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert what in response.json()["detail"]


async def test_numbers_every_reader_can_hold_pass(client: httpx.AsyncClient) -> None:
    raw = '{"name": "a", "extra": [2147483647, -2147483648, 1.5e300, true]}'
    response = await _post(client, raw)
    assert response.status_code == 200, response.text


async def test_an_oversized_body_is_a_413_whether_declared_or_streamed(client: httpx.AsyncClient) -> None:
    big = b'{"name": "' + b"x" * MAX_BODY_BYTES + b'"}'
    declared = await _post(client, big)

    async def chunks() -> AsyncIterator[bytes]:  # no content-length: sent chunked
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    streamed = await client.post("/things/t-1", content=chunks(), headers={"content-type": "application/json"})
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json() == {
            "type": "https://jingzhang.example/problems/too_large",
            "title": "Request body too large",
            "status": 413,
            "detail": f"body: larger than {MAX_BODY_BYTES} bytes",
            "instance": "/things/t-1",
            "field": "body",
            "code": "too_large",
        }


async def test_a_body_that_is_not_utf8_is_a_problem_naming_the_body(client: httpx.AsyncClient) -> None:
    response = await _post(client, b'{"name": "\xff"}')
    assert response.status_code in (400, 422)
    assert response.json()["field"] == "body"


async def test_a_missing_body_names_the_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/things/t-1")
    assert response.status_code == 422
    assert response.json()["field"] == "body"


async def test_an_unknown_route_answers_in_the_problem_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/nothing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Not Found",
        "instance": "/nothing",
        "field": None,
        "code": "not_found",
    }
    wrong_method = await client.get("/things/t-1")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"
    assert wrong_method.json()["type"] == "about:blank"
    assert wrong_method.headers["allow"] == "POST"


def test_every_problem_status_is_documented_as_a_problem() -> None:
    document = _app().openapi()
    operation = document["paths"]["/things/{thing_id}"]["post"]
    for status in ("400", "401", "403", "404", "409", "413", "422", "503"):
        assert operation["responses"][status]["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    assert {"instance", "field"} <= problem["properties"].keys()
