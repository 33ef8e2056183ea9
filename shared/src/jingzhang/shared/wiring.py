"""Typed route dependencies: the composition root provides objects, routes ask for them by type.

A service's `bootstrap` builds its dependencies once (`provide(app, deps)`); its `api/deps.py` turns
each type into a FastAPI dependency (`Annotated[Deps, Depends(dependency(Deps))]`). A route never
reaches into `app.state` by name, and a type nobody provided fails loudly at the first request.
"""

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import FastAPI, Request

T = TypeVar("T")


def provide(app: FastAPI, *values: object) -> None:
    """Make each value available to the routes of `app`, keyed by its type."""
    provided: dict[type, object] = getattr(app.state, "provided", {})
    for value in values:
        provided[type(value)] = value
    app.state.provided = provided


def provided(request: Request, kind: type[T]) -> T:
    value = getattr(request.app.state, "provided", {}).get(kind)
    if not isinstance(value, kind):
        raise RuntimeError(f"{kind.__name__} was not provided by the service's composition root")
    return value


def dependency(kind: type[T]) -> Callable[[Request], Coroutine[Any, Any, T]]:
    """A FastAPI dependency answering the `kind` the composition root provided (async: FastAPI hands a
    plain function to its thread pool on every request, 6 % of a command's samples for a dict lookup)."""

    async def get(request: Request) -> T:
        return provided(request, kind)

    get.__name__ = f"provided_{kind.__name__}"
    return get
