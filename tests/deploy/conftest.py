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


@dataclass
class DeployedNats(NatsServer):
    """deploy/nats/nats-single.conf as shipped, moved onto a free loopback port and a temp store."""

    source: Path = NATS_DIR / "nats-single.conf"

    def write_config(self) -> Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(NATS_DIR / "auth.conf", self.state_dir / "auth.conf")
        text = self.source.read_text()
        text = re.sub(r"(?m)^listen: .*$", f"listen: 127.0.0.1:{self.port}", text)
        text = re.sub(r"(?m)^http_port: .*$", "", text)
        text = re.sub(r'store_dir: ".*"', f'store_dir: "{self.state_dir / "jetstream"}"', text)
        self.config_path.write_text(text)
        return self.config_path


@pytest.fixture(scope="module")
def deployed_nats(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[DeployedNats]:
    for name, value in nats_env().items():
        monkeypatch_module.setenv(name, value)  # the child inherits them, as the container would
    state = Path(tempfile.mkdtemp(prefix="jz-deploy-nats-"))
    server = DeployedNats(state).start()
    yield server
    server.stop()
    shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch
