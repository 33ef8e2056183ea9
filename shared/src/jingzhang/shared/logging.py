"""structlog, configured once per process: JSON when not on a terminal, console on a terminal.

Correlation and causation ids are bound with `bound_to(envelope)` for the whole handling of a message.
"""

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from jingzhang.shared.envelope import Envelope


def configure(level: str = "INFO", json: bool | None = None) -> None:
    as_json = (not sys.stderr.isatty()) if json is None else json
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,  # a cached logger ignores later configuration (structlog.testing.capture_logs)
    )


@contextmanager
def bound_to(env: Envelope) -> Iterator[None]:
    with structlog.contextvars.bound_contextvars(
        correlation_id=str(env.correlation_id),
        causation_id=str(env.event_id),
        event_type=env.event_type,
        stream=str(env.stream),
    ):
        yield
