"""How services are served: uvicorn on uvloop with the C HTTP parser (httptools), never h11's pure Python;
garbage collection tuned for a long-running server."""

import gc

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from jingzhang.shared.serve import SERVER_OPTIONS, YOUNG_COLLECTION_THRESHOLD, tune_gc


def test_services_are_served_with_httptools_and_uvloop() -> None:
    config = uvicorn.Config(FastAPI(), **SERVER_OPTIONS)
    config.load()  # what uvicorn.run does: fails if a named implementation is not installed
    assert config.http_protocol_class is HttpToolsProtocol
    assert config.loop == "uvloop"
    assert config.access_log is False


def test_a_served_app_is_frozen_out_of_collections_and_collects_young_objects_less_often() -> None:
    threshold = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_freeze_count() > 0  # what the process made so far is never traversed again
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *threshold[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
