"""The services' OpenAPI documents, built once per session (every app, default settings, no server)."""

from typing import Any

import pytest

from jingzhang.app.services import openapi_documents


@pytest.fixture(scope="session")
def apis() -> dict[str, dict[str, Any]]:
    return openapi_documents()
