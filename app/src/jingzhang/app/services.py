"""The one place that knows the list of services: their names, local ports, apps and contracts.

Everything above the services (the CLI, the local stack, the demo, the contract export) asks here;
the kernel and the services themselves never list one another.
"""

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any, cast

from fastapi import FastAPI

from jingzhang.shared.contract.catalog import ServiceContract
from jingzhang.shared.projection import Projection
from jingzhang.shared.settings import ServiceSettings

SERVICES = ("assignment", "appeals", "patrols", "evaluation", "notifications")
PORTS = {"assignment": 8101, "appeals": 8102, "patrols": 8103, "evaluation": 8104, "notifications": 8105}

AppFactory = Callable[[ServiceSettings], FastAPI]


def app_factory(service: str) -> AppFactory:
    """The service's composition root, imported when asked for: the CLI starts without the services."""
    return cast(AppFactory, _module(service, "bootstrap").create_app)


def projections(service: str) -> tuple[Projection, ...]:
    """The service's replayable read models."""
    return tuple(_module(service, "bootstrap").PROJECTIONS)


def contracts() -> tuple[ServiceContract, ...]:
    """What every service publishes, in the order of `SERVICES`."""
    return tuple(cast(ServiceContract, _module(s, "events").CONTRACT) for s in SERVICES)


def openapi_documents() -> dict[str, dict[str, Any]]:
    """Every service's OpenAPI document, from its app built with default settings (no server is reached)."""
    return {s: app_factory(s)(ServiceSettings()).openapi() for s in SERVICES}


def _module(service: str, name: str) -> ModuleType:
    if service not in SERVICES:
        raise KeyError(f"unknown service {service!r}: choose one of {', '.join(SERVICES)}")
    return importlib.import_module(f"jingzhang.{service}.{name}")
