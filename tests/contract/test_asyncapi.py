"""The AsyncAPI document as subscribers' tools read it: the server asks for the deployed user and password,
every message documents its NATS headers and carries an example that its own schemas accept. The official
parser (`@asyncapi/parser`, 16 s here) runs over it in `.ci/run` (`contract/tools/validate.mjs`)."""

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

CONTRACT = Path(__file__).resolve().parents[2] / "contract"
DOC: dict[str, Any] = json.loads((CONTRACT / "asyncapi.json").read_text())


def test_the_server_asks_for_the_deployed_user_and_password() -> None:
    (server,) = DOC["servers"].values()
    (scheme_ref,) = server["security"]
    scheme = DOC["components"]["securitySchemes"][scheme_ref["$ref"].rsplit("/", 1)[1]]
    assert scheme["type"] == "userPassword"
    assert "external" in scheme["description"]
    assert "user: external, password:" in (CONTRACT.parent / "deploy" / "nats" / "auth.conf").read_text()


def test_channels_operations_and_messages_have_nats_bindings() -> None:
    assert all(c["bindings"] == {"nats": {}} for c in DOC["channels"].values())
    assert all(o["bindings"]["nats"]["bindingVersion"] == "0.1.0" for o in DOC["operations"].values())
    assert all("nats" in m["bindings"] for m in DOC["components"]["messages"].values())


def validator(ref: str) -> Draft202012Validator:
    """A validator for a component schema, its `$ref`s resolved inside the document."""
    return Draft202012Validator({"$ref": ref, "components": DOC["components"]}, format_checker=FormatChecker())


@pytest.mark.parametrize("key", sorted(DOC["components"]["messages"]))
def test_every_message_has_headers_and_an_example_its_schemas_accept(key: str) -> None:
    message = DOC["components"]["messages"][key]
    headers = DOC["components"]["schemas"][message["headers"]["$ref"].rsplit("/", 1)[1]]
    assert {"Content-Type", "Nats-Msg-Id", "traceparent", "tracestate"} <= set(headers["properties"])
    (example,) = message["examples"]
    assert [e.message for e in validator(message["headers"]["$ref"]).iter_errors(example["headers"])] == []
    assert [e.message for e in validator(message["payload"]["$ref"]).iter_errors(example["payload"])] == []
    assert example["payload"]["dataschema"] == message["x-dataschema"]
    assert example["headers"]["Nats-Msg-Id"] == example["payload"]["id"]
