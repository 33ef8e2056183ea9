"""deploy/k8s against the Kubernetes OpenAPI schemas (kubernetes-validate, strict), then the rules
the schemas cannot state: probes, non-root, resources, one Deployment/Service/Secret and image per service."""

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from jingzhang.app.services import SERVICES
from jingzhang.shared.partitions import PARTITIONS
from tests.deploy.conftest import DEPLOY, ROOT

K8S_VERSION = "1.33.0"
FILES = sorted((DEPLOY / "k8s").glob("*.yaml"))


def documents() -> list[tuple[Path, dict[str, Any]]]:
    return [(f, d) for f in FILES for d in yaml.safe_load_all(f.read_text()) if d]


def find(kind: str, name: str) -> dict[str, Any]:
    (found,) = [d for _, d in documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    assert isinstance(only, dict)
    return only


class TestSchemas:
    @pytest.mark.parametrize(("path", "document"), documents(), ids=lambda v: getattr(v, "name", None))
    def test_every_manifest_is_valid(self, path: Path, document: dict[str, Any]) -> None:
        kubernetes_validate.validate(document, K8S_VERSION, strict=True)
        assert document["metadata"]["namespace" if document["kind"] != "Namespace" else "name"] == "jingzhang"

    def test_the_validator_refuses_a_misspelt_field(self) -> None:
        broken = copy.deepcopy(find("Deployment", "appeals"))
        container(broken)["livenesProbe"] = container(broken).pop("livenessProbe")

        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


@pytest.mark.parametrize("service", SERVICES)
class TestEachService:
    def test_runs_its_own_image_as_compose_builds_it(self, service: str) -> None:
        c = container(find("Deployment", service))
        compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][service]

        assert c["image"] == f"jingzhang-{service}:0.1.0" == compose["image"]
        assert "args" not in c  # the image runs its service
        assert "command" not in c

    def test_runs_two_replicas_that_never_all_stop_at_once(self, service: str) -> None:
        spec = find("Deployment", service)["spec"]
        budget = find("PodDisruptionBudget", service)["spec"]

        assert spec["replicas"] == 2  # one runs each consumer, the other stands by (shared/partitions.py)
        assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
        assert budget["minAvailable"] == 1
        assert budget["selector"] == spec["selector"]

    def test_liveness_and_readiness_probe_the_health_endpoints(self, service: str) -> None:
        c = container(find("Deployment", service))

        assert c["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert c["readinessProbe"]["httpGet"]["path"] == "/health/ready"

    def test_runs_as_non_root_without_privileges(self, service: str) -> None:
        pod = find("Deployment", service)["spec"]["template"]["spec"]
        c = container(find("Deployment", service))

        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert c["securityContext"]["allowPrivilegeEscalation"] is False
        assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]

    def test_has_resource_requests_and_limits(self, service: str) -> None:
        resources = container(find("Deployment", service))["resources"]

        assert set(resources["requests"]) == {"cpu", "memory"}
        assert set(resources["limits"]) == {"cpu", "memory"}

    def test_reads_config_and_its_own_secret(self, service: str) -> None:
        sources = container(find("Deployment", service))["envFrom"]

        assert {"configMapRef": {"name": "jz-config"}} in sources
        assert {"secretRef": {"name": f"jz-{service}"}} in sources
        assert {"secretRef": {"name": "jz-keystore"}} in sources  # the shared personal-data key store

    def test_its_secret_is_a_placeholder_with_its_own_credentials(self, service: str) -> None:
        data = find("Secret", f"jz-{service}")["stringData"]

        assert data["NATS_URL"].startswith(f"nats://{service}:REPLACE_ME@")
        assert data["DATABASE_URL"].startswith(f"postgresql://jz_{service}:REPLACE_ME@")

    def test_a_service_routes_to_its_pods(self, service: str) -> None:
        spec = find("Service", service)["spec"]

        assert spec["selector"] == {"app.kubernetes.io/name": service}
        assert spec["ports"][0]["targetPort"] == "http"


def test_tokens_are_verified_against_the_oidc_provider() -> None:
    config = find("ConfigMap", "jz-config")["data"]

    assert config["AUTH_JWKS_URL"].startswith("https://")
    assert config["AUTH_ISSUER"].startswith("https://")
    assert find("Secret", "jz-keystore")["stringData"]["KEYSTORE_MASTER_KEY"] == "REPLACE_ME"


class TestProvisioning:
    def test_the_job_creates_replicated_streams_as_the_ops_user(self) -> None:
        job = find("Job", "jz-provision")["spec"]["template"]["spec"]

        assert job["containers"][0]["args"] == ["provision", "--replicas", "3"]
        assert job["containers"][0]["image"] == "jingzhang-ops:0.1.0"  # the CLI, with the application layer
        assert job["containers"][0]["envFrom"] == [{"secretRef": {"name": "jz-ops"}}]
        assert job["securityContext"]["runAsNonRoot"] is True

    def test_the_job_provisions_for_the_partitions_the_services_read(self) -> None:
        """One place says the count (jz-config, which every service reads); the Job reads it there, and
        the committed NATS permissions are rendered for it (one partition: consumers on the service streams)."""
        (env,) = find("Job", "jz-provision")["spec"]["template"]["spec"]["containers"][0]["env"]

        assert env["name"] == "PARTITIONS"
        assert env["valueFrom"] == {"configMapKeyRef": {"name": "jz-config", "key": "PARTITIONS"}}
        assert find("ConfigMap", "jz-config")["data"]["PARTITIONS"] == str(PARTITIONS) == "1"
        assert "_P8" not in (DEPLOY / "nats" / "auth.conf").read_text()

    def test_no_secret_holds_anything_but_placeholders(self) -> None:
        for _, doc in documents():
            if doc["kind"] == "Secret":
                assert all("REPLACE_ME" in value for value in doc["stringData"].values()), doc["metadata"]["name"]
