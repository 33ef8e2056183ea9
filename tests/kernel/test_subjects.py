"""Only facts about someone count: an unknown id is refused, distinctly when it may merely be late."""

import httpx
import pytest
from fastapi import FastAPI

from jingzhang.shared.errors import NotYetKnown, UnknownSubject
from jingzhang.shared.http import install_error_handlers
from jingzhang.shared.subjects import require_known


def caught_up(answer: bool):  # type: ignore[no-untyped-def]
    async def check(producer: str) -> bool:
        assert producer == "assignment"
        return answer

    return check


async def test_a_known_subject_passes() -> None:
    await require_known(
        True, "enterprise", "e1", field="enterprise_id", producer="assignment", caught_up=caught_up(False)
    )


async def test_unknown_while_events_are_still_arriving_is_not_yet_known() -> None:
    with pytest.raises(NotYetKnown) as refused:
        await require_known(
            False, "enterprise", "e1", field="enterprise_id", producer="assignment", caught_up=caught_up(False)
        )
    assert refused.value.field == "enterprise_id"


async def test_unknown_after_everything_was_applied_is_nobody() -> None:
    with pytest.raises(UnknownSubject) as refused:
        await require_known(
            False, "officer", "o9", field="officer_id", producer="assignment", caught_up=caught_up(True)
        )
    assert (refused.value.field, refused.value.code) == ("officer_id", "unknown_officer")


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
