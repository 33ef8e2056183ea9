"""The house's boundaries are kept by import-linter's contracts (pyproject.toml), not by memory.

The real tree keeps them; and a module that reaches across (a service into another, the kernel up
into the application layer) breaks them: each case is a copy of the real package with one sneaky
module added, put first on the import path, so the contracts checked are exactly the project's.
"""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(extra_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(extra_path) if extra_path else ""}
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def with_sneaky_module(tmp_path: Path, package: str, source: str) -> Path:
    """A copy of `jingzhang.<package>` with `sneaky.py` added, as a namespace portion of its own."""
    folder = {"shared": ROOT / "shared/src/jingzhang/shared", "app": ROOT / "app/src/jingzhang/app"}.get(
        package, ROOT / f"services/{package}/src/jingzhang/{package}"
    )
    copy = tmp_path / "jingzhang" / package
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "sneaky.py").write_text(source)
    return tmp_path


def test_the_tree_keeps_every_contract() -> None:
    declared = len(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"])
    done = lint()
    assert done.returncode == 0, done.stdout + done.stderr
    assert declared >= 3
    assert f"{declared} kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("package", "source", "reported"),
    [
        (
            "patrols",
            "from jingzhang.appeals.events import REGISTRY\n",
            "jingzhang.patrols.sneaky -> jingzhang.appeals.events",
        ),
        (
            "evaluation",
            "import jingzhang.assignment.domain.events\n",
            "jingzhang.evaluation.sneaky -> jingzhang.assignment",
        ),
        (
            "shared",
            "from jingzhang.app.services import SERVICES\n",
            "jingzhang.shared.sneaky -> jingzhang.app.services",
        ),
        (
            "shared",
            "from jingzhang.appeals.events import REGISTRY\n",
            "jingzhang.shared.sneaky -> jingzhang.appeals.events",
        ),
    ],
)
def test_a_module_reaching_across_breaks_the_build(tmp_path: Path, package: str, source: str, reported: str) -> None:
    done = lint(with_sneaky_module(tmp_path, package, source))
    assert done.returncode != 0
    assert reported in " ".join(done.stdout.split()), done.stdout
