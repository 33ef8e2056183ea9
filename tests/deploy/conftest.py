"""The deploy folder's files, and the single-node NATS config run for real on loopback."""

import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from jingzhang.app.services import SERVICES
from jingzhang.shared.local.nats import NatsServer

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NATS_DIR = DEPLOY / "nats"
USERS = (*SERVICES, "ops", "external", "console")


def password_env(user: str) -> str:
    return f"JZ_NATS_{user.upper()}_PASSWORD"


def password_of(user: str) -> str:
    return f"test-{user}-secret"


def nats_env() -> dict[str, str]:
    """What the NATS container gets from its Secret: one password per user, plus a node name."""
    return {password_env(u): password_of(u) for u in USERS} | {"SERVER_NAME": "nats-0"}


EIGHT = 8
"""The partitioned layout (`JZ_<SERVICE>_P8`), a deployment's choice since one partition is the default."""


@dataclass
class DeployedNats(NatsServer):
    """deploy/nats/nats-single.conf as shipped, moved onto a free loopback port and a temp store; with
    `partitions`, the permissions `generate.py --partitions N` renders instead of the committed ones."""

    source: Path = NATS_DIR / "nats-single.conf"
    partitions: int | None = None

    def write_config(self) -> Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(NATS_DIR / "auth.conf", self.state_dir / "auth.conf")
        if self.partitions is not None:
            from tests.deploy.test_nats_configs import generator

            gen = generator()
            rendered = gen.render_auth(gen.service_consumers(self.partitions), self.partitions)
            (self.state_dir / "auth.conf").write_text(rendered)
        text = self.source.read_text()
        text = re.sub(r"(?m)^listen: .*$", f"listen: 127.0.0.1:{self.port}", text)
        text = re.sub(r"(?m)^http_port: .*$", "", text)
        text = re.sub(r'store_dir: ".*"', f'store_dir: "{self.state_dir / "jetstream"}"', text)
        self.config_path.write_text(text)
        return self.config_path


@pytest.fixture(scope="module")
def deployed_nats(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[DeployedNats]:
    """The committed permissions (one partition, the default)."""
    yield from _started(monkeypatch_module, None)


@pytest.fixture(scope="module")
def partitioned_nats(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[DeployedNats]:
    """The permissions rendered for eight partitions (`generate.py --partitions 8`)."""
    yield from _started(monkeypatch_module, EIGHT)


def _started(patch: pytest.MonkeyPatch, partitions: int | None) -> Iterator[DeployedNats]:
    for name, value in nats_env().items():
        patch.setenv(name, value)  # the child inherits them, as the container would
    state = Path(tempfile.mkdtemp(prefix="jz-deploy-nats-"))
    server = DeployedNats(state, partitions=partitions).start()
    yield server
    server.stop()
    shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch
