"""Only facts about someone count: an unknown id is refused, distinctly when it may merely be late."""

import httpx
import pytest
from fastapi import FastAPI

from jingzhang.shared.errors import NotYetKnown, UnknownSubject
from jingzhang.shared.http import install_error_handlers
from jingzhang.shared.subjects import Named, require_all_known, require_found, require_known


def caught_up(answer: bool):  # type: ignore[no-untyped-def]
    async def check(producer: str) -> bool:
        assert producer == "assignment"
        return answer

    return check


def lookup(*answers: bool):  # type: ignore[no-untyped-def]
    """What the projection answers, read after read."""
    left = list(answers)

    async def read() -> bool:
        return left.pop(0)

    return read


async def test_a_known_subject_passes() -> None:
    await require_known(
        lookup(True), "enterprise", "e1", field="enterprise_id", producer="assignment", caught_up=caught_up(False)
    )


async def test_unknown_while_events_are_still_arriving_is_not_yet_known() -> None:
    with pytest.raises(NotYetKnown) as refused:
        await require_known(
            lookup(False), "enterprise", "e1", field="enterprise_id", producer="assignment", caught_up=caught_up(False)
        )
    assert refused.value.field == "enterprise_id"


async def test_unknown_after_everything_was_applied_is_nobody() -> None:
    with pytest.raises(UnknownSubject) as refused:
        await require_known(
            lookup(False, False), "officer", "o9", field="officer_id", producer="assignment", caught_up=caught_up(True)
        )
    assert (refused.value.field, refused.value.code) == ("officer_id", "unknown_officer")


async def test_one_applied_while_waiting_for_the_producer_is_known() -> None:
    """The projection is read again once everything is applied: the first read may predate the apply."""
    await require_known(
        lookup(False, True), "officer", "o9", field="officer_id", producer="assignment", caught_up=caught_up(True)
    )


async def test_found_returns_what_the_second_read_found() -> None:
    reads = iter([None, "the chiefs"])

    async def snapshot() -> str | None:
        return next(reads)

    found = await require_found(
        snapshot, "enterprise", "e1", field="enterprise_id", producer="assignment", caught_up=caught_up(True)
    )
    assert found == "the chiefs"


async def test_of_several_named_the_first_still_missing_is_refused() -> None:
    named = [Named("enterprise", "e1", "enterprise_id"), Named("officer", "o1", "officer_ids.0")]
    reads = iter([named, named[1:]])

    async def read() -> list[Named]:
        return next(reads)

    with pytest.raises(UnknownSubject) as refused:
        await require_all_known(read, lambda missing: missing, producer="assignment", caught_up=caught_up(True))
    assert (refused.value.field, refused.value.code) == ("officer_ids.0", "unknown_officer")


async def test_over_http_a_422_naming_the_field_or_a_409_with_retry_after() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/late")
    async def late() -> None:
        raise NotYetKnown("enterprise", "e1", field="enterprise_id")

    @app.post("/nobody")
    async def nobody() -> None:
        raise UnknownSubject("enterprise", "e1", field="enterprise_id")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        late_answer = await client.post("/late")
        nobody_answer = await client.post("/nobody")
    assert late_answer.status_code == 409
    assert late_answer.headers["retry-after"] == "2"
    assert late_answer.json()["field"] == "enterprise_id"
    assert late_answer.headers["content-type"].startswith("application/problem+json")
    assert nobody_answer.status_code == 422
    assert (nobody_answer.json()["field"], nobody_answer.json()["code"]) == ("enterprise_id", "unknown_enterprise")
