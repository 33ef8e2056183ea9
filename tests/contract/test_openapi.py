"""Each service's HTTP API, published as `contract/openapi/<service>.json`: valid OpenAPI, in step with the
services, and guarded against changes that would break the console and other callers."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from jingzhang.app.services import SERVICES
from jingzhang.shared.contract.export import ContractBroken, export
from jingzhang.shared.contract.openapi import api_breaches

from .test_versioning import Counted, contracts

CONTRACT = Path(__file__).resolve().parents[2] / "contract"
Doc = dict[str, Any]


def committed(service: str) -> Doc:
    doc: Doc = json.loads((CONTRACT / "openapi" / f"{service}.json").read_text())
    return doc


def test_every_service_has_its_document_and_each_is_valid_openapi(apis: dict[str, Doc]) -> None:
    assert sorted(p.stem for p in (CONTRACT / "openapi").glob("*.json")) == sorted(SERVICES) == sorted(apis)
    for service in SERVICES:
        doc = committed(service)
        validate(doc)  # openapi-spec-validator: raises on any violation of the OpenAPI 3.1 schema
        assert doc["info"]["title"] == f"jingzhang {service}"


def test_the_committed_documents_are_what_the_services_serve(apis: dict[str, Doc]) -> None:
    stale = [s for s in SERVICES if committed(s) != json.loads(json.dumps(apis[s]))]
    assert stale == [], f"contract/openapi/ is out of step for {stale}: run `jingzhang contract export`"


def test_errors_are_documented_as_problems(apis: dict[str, Doc]) -> None:
    ready = apis["assignment"]["paths"]["/health/ready"]["get"]["responses"]
    assert "503" in ready


# A small API and its changes, for the rules.
BASE: Doc = {
    "openapi": "3.1.0",
    "info": {"title": "demo", "version": "1"},
    "paths": {
        "/tallies": {
            "get": {
                "parameters": [
                    {"name": "kind", "in": "query", "required": False, "schema": {"enum": ["a", "b"], "type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Tally"}}
                            }
                        },
                    }
                },
            },
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewTally"}}}},
                "responses": {"201": {"description": "made"}},
            },
        },
        "/tallies/{id}": {
            "delete": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "gone"}},
            }
        },
    },
    "components": {
        "schemas": {
            "Tally": {
                "type": "object",
                "required": ["id", "amount"],
                "properties": {"id": {"type": "string"}, "amount": {"type": "integer"}, "note": {"type": "string"}},
            },
            "NewTally": {
                "type": "object",
                "required": ["amount"],
                "properties": {"amount": {"type": "integer", "maximum": 100}, "note": {"type": "string"}},
            },
        }
    },
}


def changed(edit: Any) -> Doc:
    doc = copy.deepcopy(BASE)
    edit(doc)
    return doc


def reasons(new: Doc) -> list[str]:
    return [f"{b.path}: {b.reason}" for b in api_breaches(BASE, new)]


def test_the_base_is_valid_and_compatible_with_itself() -> None:
    validate(BASE)
    assert reasons(BASE) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["paths"].pop("/tallies/{id}"), "/tallies/{id}: path removed"),
        (lambda d: d["paths"]["/tallies"].pop("post"), "POST /tallies: operation removed"),
        (lambda d: d["paths"]["/tallies"]["get"].pop("parameters"), "GET /tallies query:kind: parameter removed"),
        (
            lambda d: d["paths"]["/tallies"]["get"]["parameters"][0]["schema"].update(enum=["a"]),
            "GET /tallies query:kind: enum lost values ['b']",
        ),
        (
            lambda d: d["paths"]["/tallies"]["get"]["parameters"][0].update(required=True),
            "GET /tallies query:kind: parameter became required",
        ),
        (
            lambda d: d["paths"]["/tallies"]["get"]["parameters"].append(
                {"name": "since", "in": "query", "required": True, "schema": {"type": "string"}}
            ),
            "GET /tallies query:since: new required parameter",
        ),
        (
            lambda d: d["components"]["schemas"]["NewTally"]["required"].append("note"),
            "POST /tallies body/note: new required field without a default",
        ),
        (
            lambda d: d["components"]["schemas"]["NewTally"]["properties"]["amount"].update(maximum=10),
            "POST /tallies body/amount: maximum lowered to 10",
        ),
        (
            lambda d: d["components"]["schemas"]["Tally"]["properties"].pop("note"),
            "GET /tallies -> 200/[]/note: response field removed",
        ),
        (
            lambda d: d["components"]["schemas"]["Tally"]["properties"]["amount"].update(type="string"),
            "GET /tallies -> 200/[]/amount: type changed from integer to string",
        ),
        (
            lambda d: d["paths"]["/tallies"]["get"]["responses"].pop("200"),
            "GET /tallies -> 200: success response removed",
        ),
    ],
)
def test_a_breaking_change_is_named(edit: Any, expected: str) -> None:
    assert expected in reasons(changed(edit))


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["paths"].update({"/other": {"get": {"responses": {"200": {"description": "x"}}}}}),
        lambda d: d["paths"]["/tallies"].update(put=d["paths"]["/tallies"]["post"]),
        lambda d: d["paths"]["/tallies"]["get"]["parameters"].append(
            {"name": "since", "in": "query", "required": False, "schema": {"type": "string"}}
        ),
        lambda d: d["paths"]["/tallies"]["get"]["parameters"][0]["schema"]["enum"].append("c"),
        lambda d: d["components"]["schemas"]["Tally"]["properties"].update(extra={"type": "string"}),
        lambda d: d["components"]["schemas"]["NewTally"]["properties"]["amount"].pop("maximum"),
        lambda d: d["paths"]["/tallies"]["get"]["responses"].update({"422": {"description": "bad"}}),
    ],
    ids=["new path", "new operation", "optional parameter", "wider enum", "new response field", "wider bound",
         "new error"],
)  # fmt: skip
def test_an_additive_change_passes(edit: Any) -> None:
    assert reasons(changed(edit)) == []


def test_export_refuses_a_breaking_api_change_and_writes_nothing(tmp_path: Path) -> None:
    export(tmp_path, contracts(Counted), {"demo": BASE})
    written = (tmp_path / "openapi/demo.json").read_text()
    broken = changed(lambda d: d["paths"].pop("/tallies/{id}"))
    with pytest.raises(ContractBroken, match=r"openapi/demo: /tallies/\{id\}: path removed"):
        export(tmp_path, contracts(Counted), {"demo": broken})
    assert (tmp_path / "openapi/demo.json").read_text() == written
    with pytest.raises(ContractBroken, match="openapi/demo: service's API no longer published"):
        export(tmp_path, contracts(Counted), {})
    export(tmp_path, contracts(Counted), {"demo": changed(lambda d: d["paths"]["/tallies"].update(put={}))})
