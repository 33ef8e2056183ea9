"""Personal data in appeal events: sealed under the right person's key, and the domain still works on tokens.

The store seals every `Personal` field before it is written, so an appeal loaded back holds tokens
where the texts and names were. These tests seal a whole appeal's life with the privacy kernel's
`Protector`, decode it as a consumer would, and keep deciding on the sealed history.
"""

import json
from dataclasses import replace

import pytest

from jingzhang.appeals.domain import commands as c
from jingzhang.appeals.domain.extensions import decide_approve_extension, decide_refuse_extension
from jingzhang.appeals.domain.extensions import decide_request_extension as request_extension
from jingzhang.appeals.domain.feedback import decide_record_callback
from jingzhang.appeals.domain.handling import (
    decide_acknowledge,
    decide_close_unresolved,
    decide_follow_up,
    decide_refer,
    decide_report_back,
    decide_resolve,
)
from jingzhang.appeals.domain.state import Appeal
from jingzhang.appeals.domain.vocabulary import ReportOutcome, Status
from jingzhang.appeals.events import REGISTRY
from jingzhang.shared.errors import InvalidCommand
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.privacy.keystore import MemoryKeyStore
from jingzhang.shared.privacy.protect import Protector
from jingzhang.shared.privacy.tokens import parse

from .samples import (
    APPEAL_ID,
    DAY,
    ENTERPRISE,
    HOUR,
    LEADER_A,
    POLICE_A,
    STATION_A,
    T0,
    chiefs,
    given,
    given_appeal,
    raised,
)

CONTACT = f"contact/{ENTERPRISE}"
DESCRIPTION = "workers blocking the site gate"  # raised() writes it, raised_by "contact-yuan"
WORDS = {
    "ack": "on my way, 王 will meet me",
    "ask": "the landlord 李四 is away",
    "refuse": "no more time: ask 张 at the station",
    "refer": "illegal wall, owner 赵",
    "follow": "called the brigade's 钱",
    "report": "brigade says not theirs",
    "resolve": "mediated with 孙, gate reopened",
    "comment": "门又被堵了, 王经理很生气",
    "caller": "袁女士",
    "close": "the owner 周 refuses any change",
}


async def sealed(events: list[DomainEvent], protector: Protector) -> tuple[list[DomainEvent], list[str]]:
    """What the store writes for `events`, and the events a consumer decodes from it."""
    documents = await protector.serialise(events)
    pairs = zip(events, documents, strict=True)
    return [REGISTRY.decode(e.event_type, e.schema_version, json.loads(d)) for e, d in pairs], documents


async def life(protector: Protector) -> tuple[list[DomainEvent], list[DomainEvent]]:
    """An appeal's whole life, each decision taken on the history as sealed so far: (plain, sealed)."""
    plain: list[DomainEvent] = []
    stored: list[DomainEvent] = []

    async def step(new: list[DomainEvent]) -> None:
        plain.extend(new)
        decoded, _ = await sealed(new, protector)
        stored.extend(decoded)

    await step(raised())
    await step(decide_acknowledge(given(stored), c.AcknowledgeAppeal(APPEAL_ID, POLICE_A, WORDS["ack"]), T0 + HOUR))
    await step(
        request_extension(given(stored), c.RequestExtension(APPEAL_ID, 2 * DAY, WORDS["ask"], POLICE_A), T0 + 2 * HOUR)
    )
    refusal = c.RefuseExtension(APPEAL_ID, WORDS["refuse"], LEADER_A)
    await step(
        decide_refuse_extension(given(stored), refusal, T0 + 3 * HOUR, chiefs())
    )  # escalates to the station chief
    refer = c.ReferAppeal(APPEAL_ID, "urban_management_enforcement", WORDS["refer"], STATION_A)
    await step(decide_refer(given(stored), refer, T0 + 4 * HOUR))
    await step(
        decide_follow_up(given(stored), c.FollowUpReferral(APPEAL_ID, WORDS["follow"], STATION_A), T0 + 5 * HOUR)
    )
    report = c.RecordDepartmentReport(APPEAL_ID, ReportOutcome.RETURNED, WORDS["report"], STATION_A)
    await step(decide_report_back(given(stored), report, T0 + DAY))
    await step(decide_resolve(given(stored), c.ResolveAppeal(APPEAL_ID, WORDS["resolve"], STATION_A), T0 + 2 * DAY))
    callback = c.RecordCallback(APPEAL_ID, 1, False, WORDS["comment"], WORDS["caller"])
    await step(decide_record_callback(given(stored), callback, T0 + 3 * DAY))  # dissatisfied: reopened
    await step(
        decide_close_unresolved(given(stored), c.CloseUnresolved(APPEAL_ID, WORDS["close"], STATION_A), T0 + 4 * DAY)
    )
    return plain, stored


def tokens_of(event: DomainEvent) -> dict[str, tuple[str, str]]:
    """field -> (kind, subject) of every token the event holds."""
    found = {}
    for name, value in event:
        token = parse(value) if isinstance(value, str) else None
        if token is not None:
            found[name] = (token.kind.value, token.subject)
    return found


def without_personal(appeal: Appeal) -> Appeal:
    """The intake (what a retried raise answers) holds the raise's texts too: compared by its event types."""
    return replace(appeal, description="", raised_by="", outcome_note=None, intake=())


class TestSealedAppeal:
    async def test_every_text_and_name_is_sealed_under_its_persons_key(self) -> None:
        _, stored = await life(Protector(MemoryKeyStore()))

        officer = f"officer/{STATION_A}"
        expected = [
            ("AppealRaised", {"description": ("free_text", CONTACT), "raised_by": ("name", CONTACT)}),
            ("AppealRouted", {}),
            ("AppealAcknowledged", {"note": ("free_text", f"officer/{POLICE_A}")}),
            ("ExtensionRequested", {"reason": ("free_text", f"officer/{POLICE_A}")}),
            ("ExtensionRefused", {"reason": ("free_text", f"officer/{LEADER_A}")}),
            ("AppealEscalated", {}),
            ("AppealReferred", {"note": ("free_text", officer)}),
            ("ReferralFollowedUp", {"note": ("free_text", officer)}),
            ("DepartmentReportedBack", {"note": ("free_text", officer)}),
            ("AppealResolved", {"what_was_done": ("free_text", officer)}),
            ("CallbackRecorded", {"comment": ("free_text", CONTACT), "recorded_by": ("name", CONTACT)}),
            ("AppealReopened", {}),
            ("AppealClosedUnresolved", {"reason": ("free_text", officer)}),
        ]
        assert [(e.event_type, tokens_of(e)) for e in stored] == expected

    async def test_no_personal_value_is_left_in_what_is_stored(self) -> None:
        protector = Protector(MemoryKeyStore())
        plain, _ = await life(protector)

        _, documents = await sealed(plain, protector)

        stored = "\n".join(documents)
        for value in [DESCRIPTION, "contact-yuan", *WORDS.values()]:
            assert value not in stored
        assert "门又被堵了" not in stored  # not even inside the reopening's reason

    async def test_deciding_on_sealed_history_ends_where_plain_history_does(self) -> None:
        plain, stored = await life(Protector(MemoryKeyStore()))

        on_tokens, on_values = given_appeal(stored), given_appeal(plain)

        assert on_tokens.status is Status.CLOSED
        assert (on_tokens.reopen_count, on_tokens.escalations) == (1, 1)
        assert without_personal(on_tokens) == without_personal(on_values)
        assert [e.event_type for e in on_tokens.intake] == [e.event_type for e in on_values.intake]

    async def test_an_extension_request_sealed_and_reloaded_can_still_be_approved(self) -> None:
        protector = Protector(MemoryKeyStore())
        history, _ = await sealed([*raised(), *request_extension(given(raised()), ask(), T0 + HOUR)], protector)

        approved = decide_approve_extension(given(history), c.ApproveExtension(APPEAL_ID, LEADER_A), T0 + DAY, chiefs())

        assert [e.event_type for e in approved] == ["ExtensionApproved"]


def ask() -> c.RequestExtension:
    return c.RequestExtension(APPEAL_ID, 2 * DAY, WORDS["ask"], POLICE_A)


class TestWhoWroteIt:
    """The officer named as the writer keys what they wrote: it must be an officer id, not a name."""

    @pytest.mark.parametrize("by", ["孙警官", "off sun", ""])
    def test_a_writer_that_is_not_an_officer_id_names_the_field(self, by: str) -> None:
        with pytest.raises(InvalidCommand) as err:
            decide_resolve(given(raised()), c.ResolveAppeal(APPEAL_ID, "mediated", by), T0 + HOUR)
        assert err.value.field == "resolved_by"

    def test_the_callback_names_the_enterprise_whose_words_it_holds(self) -> None:
        resolved = decide_resolve(given(raised()), c.ResolveAppeal(APPEAL_ID, "mediated", POLICE_A), T0 + HOUR)
        callback = c.RecordCallback(APPEAL_ID, 5, True, "thanks", WORDS["caller"])

        [recorded] = decide_record_callback(given(raised(), resolved), callback, T0 + DAY)

        assert recorded.model_dump()["enterprise_id"] == ENTERPRISE
