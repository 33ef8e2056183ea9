"""Every shipped NATS config passes `nats-server -t`; the generated permissions and Helm values are
current with the projections in code; the Helm values describe a 3-node synchronous JetStream."""

import importlib.util
import os
import re
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from jingzhang.shared.local.nats import nats_server_binary
from tests.deploy.conftest import DEPLOY, NATS_DIR, nats_env, password_env

CONFIGS = sorted(NATS_DIR.glob("*.conf"))


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("jz_nats_generate", NATS_DIR / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [nats_server_binary(), "-t", "-c", str(path)], env=env, capture_output=True, text=True, timeout=30
    )


@pytest.fixture(scope="module")
def helm() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "helm" / "nats-values.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


class TestServerConfigs:
    @pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
    def test_is_valid(self, path: Path) -> None:
        result = check(path, {**os.environ, **nats_env()})

        assert result.returncode == 0, result.stderr

    def test_a_missing_password_is_refused_rather_than_left_empty(self) -> None:
        env = {k: v for k, v in {**os.environ, **nats_env()}.items() if k != password_env("external")}

        result = check(NATS_DIR / "nats-single.conf", env)

        assert result.returncode != 0
        assert password_env("external") in result.stderr

    @pytest.mark.parametrize("name", ["nats-single.conf", "nats-cluster.conf"])
    def test_writes_synchronously_and_includes_the_permissions(self, name: str) -> None:
        text = (NATS_DIR / name).read_text()

        assert re.search(r"(?m)^\s*sync_interval: always$", text)
        assert re.search(r"(?m)^include \./auth\.conf$", text)

    def test_the_cluster_config_routes_three_nodes(self) -> None:
        text = (NATS_DIR / "nats-cluster.conf").read_text()

        assert re.findall(r"nats-route://nats-(\d):6222", text) == ["0", "1", "2"]


class TestGenerated:
    def test_permissions_list_every_consumer_of_the_code(self) -> None:
        gen = generator()

        assert (NATS_DIR / "auth.conf").read_text() == gen.render_auth(gen.service_consumers()), (
            "run `python deploy/nats/generate.py`"
        )

    def test_helm_values_embed_the_same_permissions(self) -> None:
        gen = generator()

        assert (DEPLOY / "helm" / "nats-values.yaml").read_text() == gen.render_helm_values(
            (NATS_DIR / "auth.conf").read_text()
        )

    def test_a_service_may_use_only_consumers_named_after_itself(self) -> None:
        gen = generator()
        for service, consumers in gen.service_consumers().items():
            allowed = gen.service_permissions(service, consumers)["publish"]["allow"]
            named = [s for s in allowed if s.startswith("$JS.API.CONSUMER.")]

            assert named
            assert all(s.split(".")[-1].startswith(f"{service}__") or s.endswith(".>") for s in named)
            # its own events and its relay's watermark (shared/watermark.py), nobody else's
            assert [s for s in allowed if s.startswith("jz.")] == [f"jz.{service}.evt.>", f"jz.{service}.watermark"]


class TestHelmValues:
    def test_three_node_cluster_with_file_storage(self, helm: dict[str, Any]) -> None:
        config = helm["config"]

        assert config["cluster"] == {"enabled": True, "replicas": 3}
        assert config["jetstream"]["enabled"] is True
        assert config["jetstream"]["fileStore"]["enabled"] is True
        assert config["jetstream"]["merge"]["sync_interval"] == "always"

    def test_includes_the_permissions_and_gives_each_user_its_password_from_a_secret(
        self, helm: dict[str, Any]
    ) -> None:
        env = helm["container"]["env"]

        assert helm["config"]["merge"]["$include"] == "auth.conf"
        assert set(env) == set(nats_env()) - {"SERVER_NAME"}
        assert all(v["valueFrom"]["secretKeyRef"]["name"] == "jz-nats-users" for v in env.values())

    def test_runs_the_server_version_the_configs_are_checked_with(self, helm: dict[str, Any]) -> None:
        compose = yaml.safe_load((DEPLOY.parent / "docker-compose.yml").read_text())
        version = subprocess.run([nats_server_binary(), "--version"], capture_output=True, text=True).stdout

        assert helm["container"]["image"]["tag"] == compose["services"]["nats"]["image"].split(":")[1]
        assert f"v{helm['container']['image']['tag'].split('-')[0]}" in version
