"""Typed route dependencies: what the composition root provides is what the route gets, by type."""

from dataclasses import dataclass
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from jingzhang.shared.wiring import dependency, provide


@dataclass(frozen=True)
class Deps:
    greeting: str


@dataclass(frozen=True)
class Other:
    n: int


def app_with(*values: object) -> FastAPI:
    app = FastAPI()

    @app.get("/")
    def read(deps: Annotated[Deps, Depends(dependency(Deps))]) -> str:
        return deps.greeting

    provide(app, *values)
    return app


def test_a_route_gets_the_provided_object_of_its_type() -> None:
    assert TestClient(app_with(Other(1), Deps("你好"))).get("/").json() == "你好"


def test_a_type_nobody_provided_fails_loudly() -> None:
    with pytest.raises(RuntimeError, match="Deps was not provided"):
        TestClient(app_with(Other(1))).get("/")
