"""The Dockerfile, read statically: multi-stage, pinned, non-root, a healthcheck, one image for all."""

import json
import re

import pytest

from tests.deploy.conftest import ROOT

PINNED = re.compile(r"python:3\.11\.\d+-slim-bookworm")


def instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def of(kind: str) -> list[str]:
    return [arg for name, arg in instructions() if name == kind]


class TestStages:
    def test_builds_in_one_stage_and_runs_in_another(self) -> None:
        stages = of("FROM")

        assert len(stages) == 2
        assert stages[0].endswith(" AS builder")
        assert any(arg.startswith("--from=builder ") for arg in of("COPY"))

    @pytest.mark.parametrize("index", [0, 1])
    def test_base_images_are_pinned_to_an_exact_patch_release(self, index: int) -> None:
        assert PINNED.fullmatch(of("FROM")[index].split()[0])


class TestRuntime:
    def test_runs_as_a_non_root_user(self) -> None:
        runtime = instructions()[[i for i, (k, _) in enumerate(instructions()) if k == "FROM"][-1] :]
        users = [arg for kind, arg in runtime if kind == "USER"]

        assert users
        assert users[-1].split(":")[0] not in ("root", "0")

    def test_healthcheck_probes_liveness_with_python(self) -> None:
        (check,) = of("HEALTHCHECK")

        assert "/health/live" in check
        assert '"python"' in check
        assert "curl" not in check
        assert "wget" not in check

    def test_one_entry_point_serves_any_service_by_its_command(self) -> None:
        assert json.loads(of("ENTRYPOINT")[-1]) == ["jingzhang"]
        assert json.loads(of("CMD")[-1]) == ["serve", "assignment"]

    def test_listens_on_all_interfaces_inside_the_container(self) -> None:
        env = " ".join(of("ENV"))

        assert "HTTP_HOST=0.0.0.0" in env


class TestContext:
    def test_only_the_build_inputs_are_sent(self) -> None:
        rules = (ROOT / ".dockerignore").read_text().splitlines()

        assert rules[rules.index("*")] == "*"
        assert {"!shared/", "!services/", "!pyproject.toml", "!setup.py"} <= set(rules)
        assert "!tests/" not in rules
