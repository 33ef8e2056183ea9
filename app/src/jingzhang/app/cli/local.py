"""The local stack (`jingzhang up`) found from its state directory, for ops commands given no server URLs.

`up` keeps nats-server's configuration in `<state>/nats/nats-server.conf` and the embedded
PostgreSQL's data in `<state>/postgres`, whose `postmaster.pid` names the server's process, port and
socket directory. A stack counts as running when nats-server answers on its configured port and the
PostgreSQL process named there is alive; nothing is started or changed here.
"""

import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jingzhang.shared.local.postgres import with_database

DEFAULT_STATE_DIR = Path(".state")  # as `jingzhang up` uses it
KEYS_DATABASE = "jz_keys"  # as `jingzhang.app.stack` names it
_LISTEN = re.compile(r"^listen:\s*([0-9.]+):([0-9]+)\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class LocalStack:
    state_dir: Path
    nats_url: str | None
    server_url: str | None
    """The PostgreSQL server (database `postgres`); each service's database is `jz_<service>` on it."""

    def database_url(self, service: str) -> str | None:
        return None if self.server_url is None else with_database(self.server_url, f"jz_{service}")

    def keystore_env(self) -> dict[str, str]:
        """The key store the stack's services share (database `jz_keys`, master key in the state dir)."""
        env: dict[str, str] = {}
        if self.server_url is not None:
            env["KEYSTORE_URL"] = with_database(self.server_url, KEYS_DATABASE)
        master = self.state_dir / "keystore" / "master.key"
        if master.is_file():
            env["KEYSTORE_MASTER_KEY"] = master.read_text().strip()
        return env


def find(state_dir: Path) -> LocalStack:
    """What of the local stack in `state_dir` is running (either part may be None)."""
    return LocalStack(state_dir, _nats(state_dir / "nats" / "nats-server.conf"), _postgres(state_dir / "postgres"))


def _nats(config: Path) -> str | None:
    try:
        found = _LISTEN.search(config.read_text())
    except OSError:
        return None
    if found is None:
        return None
    host, port = found.group(1), int(found.group(2))
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.settimeout(0.5)
            if not sock.recv(4).startswith(b"INFO"):
                return None
    except OSError:
        return None
    return f"nats://{host}:{port}"


def _postgres(data_dir: Path) -> str | None:
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        pid, port, sockets = int(lines[0]), int(lines[3]), lines[4].strip()
    except (OSError, ValueError, IndexError):
        return None
    if not _alive(pid) or not sockets:
        return None
    return f"postgresql://postgres@/postgres?host={quote(sockets, safe='/')}&port={port}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
