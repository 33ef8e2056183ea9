"""How services are served: uvicorn on uvloop with the C HTTP parser (httptools), never h11's pure Python."""

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from jingzhang.shared.serve import SERVER_OPTIONS


def test_services_are_served_with_httptools_and_uvloop() -> None:
    config = uvicorn.Config(FastAPI(), **SERVER_OPTIONS)
    config.load()  # what uvicorn.run does: fails if a named implementation is not installed
    assert config.http_protocol_class is HttpToolsProtocol
    assert config.loop == "uvloop"
    assert config.access_log is False
