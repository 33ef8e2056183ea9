"""Whether appeals applied everything assignment published, as the handlers are given it: when JetStream
cannot tell (a consumer not created yet just after start, NATS away), the answer is "not yet"."""

from typing import Any, cast

import pytest
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import NotFoundError

from jingzhang.appeals.bootstrap import caught_up_of
from jingzhang.shared.runtime import Runtime


class Answering:
    """Our own stand-in for the runtime's `caught_up`: answers, or fails as JetStream does."""

    def __init__(self, answer: bool | Exception) -> None:
        self.answer = answer

    async def caught_up(self, producer: str) -> bool:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def runtime(answer: bool | Exception) -> Runtime:
    return cast(Runtime, cast(Any, Answering(answer)))


@pytest.mark.parametrize("answer", [True, False])
async def test_what_jetstream_says_is_passed_on(answer: bool) -> None:
    assert await caught_up_of(runtime(answer))("assignment") is answer


@pytest.mark.parametrize("failure", [NotFoundError(code=404, description="consumer not found"), NatsTimeout()])
async def test_when_jetstream_cannot_tell_it_is_not_yet(failure: Exception) -> None:
    assert await caught_up_of(runtime(failure))("assignment") is False
