"""The Dockerfile as a builder would read it, without Docker: its stages, and what one target built with
some build arguments copies in, installs and runs.

Only what our Dockerfile uses is understood: ARG (global and per stage), ENV, COPY (with --from), RUN of
`pip install`, USER, ENTRYPOINT, CMD, HEALTHCHECK; `${NAME}` and `$NAME` are substituted as Docker does.
"""

import json
import re
import shlex
from dataclasses import dataclass, field

from tests.deploy.conftest import ROOT

VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


@dataclass(frozen=True)
class Stage:
    name: str
    base: str  # an image, or an earlier stage's name
    steps: tuple[tuple[str, str], ...]


@dataclass
class Image:
    """What a target holds: files copied from the context and packages installed, in its own stages or
    in those it copies from, and how it runs."""

    copied: list[str] = field(default_factory=list)
    installed: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    user: str = "root"
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthchecks: list[str] = field(default_factory=list)


def instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def global_args() -> dict[str, str]:
    """The ARGs before the first FROM, with their defaults."""
    found: dict[str, str] = {}
    for kind, arg in instructions():
        if kind == "FROM":
            break
        if kind == "ARG":
            name, _, default = arg.partition("=")
            found[name] = default
    return found


def stages() -> list[Stage]:
    found: list[Stage] = []
    for kind, arg in instructions():
        if kind == "FROM":
            base, _, name = arg.partition(" AS ")
            found.append(Stage(name.strip(), base.strip(), ()))
        elif found:
            last = found[-1]
            found[-1] = Stage(last.name, last.base, (*last.steps, (kind, arg)))
    return found


def stage(name: str) -> Stage:
    (found,) = [s for s in stages() if s.name == name]
    return found


def chain(target: str) -> list[Stage]:
    """The target's stage and the stages it is built FROM, the first first."""
    names = {s.name for s in stages()}
    line = [stage(target)]
    while line[0].base in names:
        line.insert(0, stage(line[0].base))
    return line


def substitute(text: str, values: dict[str, str]) -> str:
    return VARIABLE.sub(lambda m: values.get(m.group(1) or m.group(2), ""), text)


def build(target: str, build_args: dict[str, str] | None = None) -> Image:
    """What `docker build --target TARGET --build-arg ...` would put into the image."""
    given = {**global_args(), **(build_args or {})}
    image = Image()
    scope: dict[str, str] = {}
    for s in chain(target):
        for kind, arg in s.steps:
            _step(image, scope, given, kind, arg)
    return image


def _step(image: Image, scope: dict[str, str], given: dict[str, str], kind: str, arg: str) -> None:
    if kind == "ARG":
        name, has_default, default = arg.partition("=")
        scope[name] = given.get(name, default) if name in given or has_default else ""
    elif kind == "ENV":
        for pair in shlex.split(arg):
            name, _, value = pair.partition("=")
            image.env[name] = substitute(value, {**scope, **image.env})
    elif kind == "COPY":
        _copy(image, scope, given, shlex.split(arg))
    elif kind == "RUN" and "pip install" in arg:
        words = shlex.split(substitute(arg, scope))
        image.installed += words[words.index("install") + 1 :]
    elif kind == "USER":
        image.user = arg
    elif kind == "ENTRYPOINT":
        image.entrypoint = json.loads(arg)
    elif kind == "CMD":
        image.cmd = json.loads(arg)
    elif kind == "HEALTHCHECK":
        image.healthchecks.append(arg)


def _copy(image: Image, scope: dict[str, str], given: dict[str, str], words: list[str]) -> None:
    if words[0].startswith("--from="):
        source = build(words[0].removeprefix("--from="), given)
        image.copied += source.copied
        image.installed += source.installed
        return
    image.copied += [substitute(w, scope).rstrip("/") for w in words[:-1]]
