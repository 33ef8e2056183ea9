"""The Dockerfile, read statically: pinned multi-stage builds, non-root, a healthcheck, one image per
service holding the kernel and that service only, and the ops image with the application layer."""

import importlib.util
import os
import re
import stat
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest

from jingzhang.app.services import SERVICES
from tests.deploy.conftest import ROOT
from tests.deploy.dockerfile import build, chain, instructions, stages, substitute

PINNED = re.compile(r"python:3\.11\.\d+-slim-bookworm")
ALONE = """
import sys


class NotInTheImage:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tests", "bench") or ".".join(name.split(".")[:2]) in {absent!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not in the image)")
        return None


sys.meta_path.insert(0, NotInTheImage())
import jingzhang.{service}.__main__
from jingzhang.{service}.bootstrap import create_app
from jingzhang.shared.settings import ServiceSettings
create_app(ServiceSettings()).openapi()
print(*sorted({{".".join(m.split(".")[:2]) for m in sys.modules if m.startswith("jingzhang.")}}))
"""
TARGETS = ("service", "ops")
KERNEL = "./shared"


def pyproject(folder: str) -> dict[str, Any]:
    return tomllib.loads((ROOT / folder / "pyproject.toml").read_text())


def workspace_dependencies(folder: str) -> set[str]:
    """The workspace members a member depends on, by distribution name (extras dropped)."""
    requirements = pyproject(folder)["project"]["dependencies"]
    return {re.split(r"[\[=<>;\s]", r, maxsplit=1)[0] for r in requirements if r.startswith("jingzhang-")}


class TestStages:
    def test_builds_in_some_stages_and_runs_in_others(self) -> None:
        for target in TARGETS:
            runs_in = chain(target)

            assert not any("pip install" in arg for s in runs_in for kind, arg in s.steps if kind == "RUN")
            assert any(kind == "COPY" and arg.startswith("--from=") for s in runs_in for kind, arg in s.steps)

    def test_base_images_are_pinned_to_an_exact_patch_release(self) -> None:
        names = {s.name for s in stages()}
        images = [s.base for s in stages() if s.base not in names]

        assert images
        assert all(PINNED.fullmatch(image) for image in images), images

    def test_a_plain_build_makes_a_service_image(self) -> None:
        assert stages()[-1].name == "service"  # the default target is the last stage


class TestEachServicesImage:
    @pytest.mark.parametrize("service", SERVICES)
    def test_copies_and_installs_the_kernel_and_the_service_only(self, service: str) -> None:
        image = build("service", {"SERVICE": service})

        assert image.copied == ["shared", f"services/{service}"]
        assert image.installed == [KERNEL, f"./services/{service}"]

    @pytest.mark.parametrize("service", SERVICES)
    def test_the_service_depends_on_no_other_member_so_pip_brings_none(self, service: str) -> None:
        assert workspace_dependencies(f"services/{service}") == {"jingzhang-kernel"}
        assert workspace_dependencies("shared") == set()

    @pytest.mark.parametrize("service", SERVICES)
    def test_runs_the_service_alone_as_pid_1(self, service: str) -> None:
        """The entry point, run by a shell as the container runs it (with a stand-in `python` that
        reports its pid and arguments): it becomes `python -m jingzhang.<service>` in the same process."""
        image = build("service", {"SERVICE": service})
        with tempfile.TemporaryDirectory() as bin_dir:
            python = Path(bin_dir) / "python"
            python.write_text('#!/bin/sh\necho "$$ $*"\n')
            python.chmod(python.stat().st_mode | stat.S_IXUSR)
            env = {**image.env, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
            proc = subprocess.Popen(image.entrypoint + image.cmd, env=env, stdout=subprocess.PIPE, text=True)
            out, _ = proc.communicate(timeout=10)

        assert proc.returncode == 0
        assert out.split() == [str(proc.pid), "-m", f"jingzhang.{service}"]
        assert importlib.util.find_spec(f"jingzhang.{service}.__main__") is not None

    @pytest.mark.parametrize("service", SERVICES)
    def test_the_service_builds_its_app_with_the_kernel_alone(self, service: str, tmp_path: Path) -> None:
        """What the image holds is enough: in an interpreter that finds neither the other members nor
        the repository's tests (absent from the image) the service's entry point imports and its app
        is built."""
        absent = {f"jingzhang.{other}" for other in (*SERVICES, "app") if other != service}
        script = ALONE.format(absent=absent, service=service)
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
        )

        assert done.returncode == 0, done.stderr[-3000:]
        assert done.stdout.split() == sorted(["jingzhang.shared", f"jingzhang.{service}"])

    def test_without_a_build_argument_it_is_the_first_service(self) -> None:
        assert build("service").installed == [KERNEL, f"./services/{SERVICES[0]}"]

    def test_listens_on_all_interfaces_inside_the_container(self) -> None:
        assert build("service").env["HTTP_HOST"] == "0.0.0.0"

    def test_healthcheck_probes_liveness_with_python(self) -> None:
        (check,) = build("service").healthchecks

        assert "/health/live" in check
        assert '"python"' in check
        assert "curl" not in check
        assert "wget" not in check


class TestTheOpsImage:
    def test_installs_the_kernel_every_service_and_the_application_layer(self) -> None:
        image = build("ops")

        assert image.copied == ["shared", "services", "app"]
        assert image.installed == [KERNEL, *(f"./services/{s}" for s in SERVICES), "./app"]

    def test_runs_the_cli_by_its_command(self) -> None:
        image = build("ops")

        assert image.entrypoint == ["jingzhang"]
        assert pyproject("app")["project"]["scripts"]["jingzhang"] == "jingzhang.app.cli:main"

    def test_has_no_server_to_probe(self) -> None:
        assert build("ops").healthchecks == []


@pytest.mark.parametrize("target", TARGETS)
def test_runs_as_a_non_root_user(target: str) -> None:
    assert build(target).user.split(":")[0] not in ("root", "0")


class TestContext:
    def test_only_the_workspace_members_are_sent(self) -> None:
        rules = (ROOT / ".dockerignore").read_text().splitlines()
        included = [r.removeprefix("!") for r in rules if r.startswith("!")]

        assert rules[rules.index("*")] == "*"
        assert set(included) == {"shared/", "services/", "app/"}

    @pytest.mark.parametrize("target", TARGETS)
    def test_everything_copied_is_sent(self, target: str) -> None:
        included = [r.removeprefix("!").rstrip("/") for r in (ROOT / ".dockerignore").read_text().splitlines()]

        for source in build(target, {"SERVICE": SERVICES[-1]}).copied:
            assert source.split("/")[0] in included, source
            assert (ROOT / source).is_dir(), source


def test_the_parser_substitutes_as_docker_does() -> None:
    assert substitute("./services/${SERVICE} $SERVICE", {"SERVICE": "appeals"}) == "./services/appeals appeals"
    assert [k for k, _ in instructions()].count("FROM") == len(stages())
