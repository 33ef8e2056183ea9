"""docker-compose.yml against the Compose Specification's JSON Schema, and what the schema cannot see.

The schema is the Compose Specification's own (Apache-2.0), as vendored by check-jsonschema 0.39.0;
there is no Docker engine here, so this is the static check `docker compose config` would make.
"""

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from jingzhang.app.services import SERVICES
from jingzhang.shared.partitions import PARTITIONS
from tests.deploy.conftest import ROOT
from tests.deploy.dockerfile import build

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "compose-spec.json").read_text())
PORTS = {"assignment": 8101, "appeals": 8102, "patrols": 8103, "evaluation": 8104, "notifications": 8105}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def schema_errors(document: dict[str, Any]) -> list[str]:
    return [e.message for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(document)]


class TestAgainstTheSpecification:
    def test_the_file_is_valid(self, compose: dict[str, Any]) -> None:
        assert schema_errors(compose) == []

    def test_the_schema_catches_a_malformed_file(self, compose: dict[str, Any]) -> None:
        broken = {**compose, "services": {**compose["services"], "nats": {"image": "nats", "ports": "4222"}}}

        assert schema_errors(broken) != []


class TestServers:
    def test_images_are_pinned_to_an_exact_version(self, compose: dict[str, Any]) -> None:
        for name in ("nats", "postgres"):
            assert re.fullmatch(r"[a-z]+:\d+\.\d+(\.\d+)?-[a-z0-9.]+", compose["services"][name]["image"]), name

    def test_nats_runs_the_shipped_config_with_synchronous_jetstream_writes(self, compose: dict[str, Any]) -> None:
        nats = compose["services"]["nats"]
        conf = nats["command"][nats["command"].index("--config") + 1]

        assert "./deploy/nats:/etc/nats/jz:ro" in nats["volumes"]
        assert conf == "/etc/nats/jz/nats-single.conf"
        assert re.search(r"(?m)^\s*sync_interval: always$", (ROOT / "deploy/nats/nats-single.conf").read_text())

    def test_nats_gets_every_users_password(self, compose: dict[str, Any]) -> None:
        env = compose["services"]["nats"]["environment"]
        needed = set(re.findall(r"\$(JZ_NATS_\w+_PASSWORD)", (ROOT / "deploy/nats/auth.conf").read_text()))

        assert needed == set(env)

    def test_postgres_keeps_data_in_a_volume_and_creates_the_databases(self, compose: dict[str, Any]) -> None:
        pg = compose["services"]["postgres"]

        assert "postgres-data:/var/lib/postgresql/data" in pg["volumes"]
        assert any(v.endswith("/docker-entrypoint-initdb.d/10-databases.sh:ro") for v in pg["volumes"])
        assert "pg_isready" in pg["healthcheck"]["test"]
        assert "postgres-data" in compose["volumes"]

    def test_provisioning_runs_once_as_the_ops_user_after_nats(self, compose: dict[str, Any]) -> None:
        job = compose["services"]["provision"]

        assert job["command"][0] == "provision"
        assert job["build"] == {"context": ".", "target": "ops"}
        assert job["image"] == "jingzhang-ops:0.1.0"
        assert build(job["build"]["target"]).entrypoint == ["jingzhang"]  # the CLI, with the application layer
        assert job["restart"] == "no"
        assert job["environment"]["NATS_URL"].startswith("nats://ops:")
        assert job["depends_on"]["nats"]["condition"] == "service_healthy"

    def test_provisioning_and_every_service_take_one_partition_count(self, compose: dict[str, Any]) -> None:
        """The kernel's default (one: no partitioned copies), which the committed NATS permissions are for."""
        counts = {name: compose["services"][name]["environment"]["PARTITIONS"] for name in ("provision", *SERVICES)}

        assert set(counts.values()) == {"${PARTITIONS:-1}"}
        assert PARTITIONS == 1


@pytest.mark.parametrize("service", SERVICES)
class TestEachService:
    def test_runs_its_own_image(self, compose: dict[str, Any], service: str) -> None:
        spec = compose["services"][service]

        assert spec["image"] == f"jingzhang-{service}:0.1.0"
        assert spec["build"] == {"context": ".", "target": "service", "args": {"SERVICE": service}}
        assert "command" not in spec  # the image runs its service

    def test_its_image_installs_the_kernel_and_the_service_only(self, compose: dict[str, Any], service: str) -> None:
        spec = compose["services"][service]["build"]

        assert build(spec["target"], spec["args"]).installed == ["./shared", f"./services/{service}"]

    def test_waits_for_healthy_servers_and_finished_provisioning(self, compose: dict[str, Any], service: str) -> None:
        conditions = {k: v["condition"] for k, v in compose["services"][service]["depends_on"].items()}

        assert conditions == {
            "nats": "service_healthy",
            "postgres": "service_healthy",
            "provision": "service_completed_successfully",
        }

    def test_has_a_readiness_health_check(self, compose: dict[str, Any], service: str) -> None:
        assert "/health/ready" in " ".join(compose["services"][service]["healthcheck"]["test"])

    def test_is_configured_by_environment_with_its_own_credentials(self, compose: dict[str, Any], service: str) -> None:
        env = compose["services"][service]["environment"]

        assert env["NATS_URL"].startswith(f"nats://{service}:")
        assert re.match(rf"postgresql://jz_{service}:.+@postgres:5432/jz_{service}$", env["DATABASE_URL"])
        assert env["HTTP_PORT"] == "8000"

    def test_verifies_tokens_and_shares_the_key_store(self, compose: dict[str, Any], service: str) -> None:
        env = compose["services"][service]["environment"]

        assert env["AUTH_PUBLIC_KEY_FILE"] == "/run/secrets/auth_public_key"
        assert compose["services"][service]["secrets"] == ["auth_public_key"]
        assert re.match(r"postgresql://jz_keys:.+@postgres:5432/jz_keys$", env["KEYSTORE_URL"])
        assert env["KEYSTORE_MASTER_KEY"].startswith("${KEYSTORE_MASTER_KEY:?")  # required, no default

    def test_publishes_its_port(self, compose: dict[str, Any], service: str) -> None:
        assert compose["services"][service]["ports"] == [f"{PORTS[service]}:8000"]
