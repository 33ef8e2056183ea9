"""Only facts about someone count, given/when/then: whom each report names, and whether they were
there when the work was done (registered or enrolled by then, not yet closed or retired)."""

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from jingzhang.patrols.domain.activity import ForumAppeal, HoldForum
from jingzhang.patrols.domain.common import ZONE_TZ, VisitKind
from jingzhang.patrols.domain.hazard import RecordHazard, RectifyHazard, VerifyHazard
from jingzhang.patrols.domain.subjects import (
    Claim,
    Known,
    KnownEnterprise,
    KnownOfficer,
    Mention,
    SubjectKind,
    check,
    claim,
)
from jingzhang.patrols.domain.visit import RecordVisit
from jingzhang.shared.errors import DomainRejected, InvalidCommand

from .samples import COMMANDS, DAY, at

ENT = SubjectKind.ENTERPRISE
OFF = SubjectKind.OFFICER
REGISTERED_ON = date(2025, 2, 1)
ENROLLED_ON = date(2025, 2, 10)


def known(
    closed_at: datetime | None = None, retired_at: datetime | None = None, enrolled_on: date = ENROLLED_ON
) -> Known:
    return Known(
        {"ent-1": KnownEnterprise("ent-1", REGISTERED_ON, closed_at)},
        {
            "chief-a": KnownOfficer("chief-a", date(2025, 1, 1)),
            "chief-b": KnownOfficer("chief-b", enrolled_on, retired_at),
        },
    )


def work_on(day: date) -> Claim:
    return claim(day, "occurred_on", [("enterprise_id", "ent-1")], ("chief-a", "chief-b"))


class TestWhomAReportNames:
    def test_an_activity_names_its_enterprise_and_each_officer_at_their_field_on_its_day(self) -> None:
        dispute = COMMANDS[0].model_copy(update={"officer_ids": ("chief-a", "chief-b")})
        assert dispute.claim() == Claim(
            (
                Mention(ENT, "ent-1", "enterprise_id"),
                Mention(OFF, "chief-a", "officer_ids.0"),
                Mention(OFF, "chief-b", "officer_ids.1"),
            ),
            at(DAY, 0),
            "occurred_on",
        )

    def test_zone_wide_outreach_names_its_officers_only(self) -> None:
        training = COMMANDS[3]
        assert training.claim().mentions == (Mention(OFF, "chief-a", "officer_ids.0"),)

    def test_a_forum_names_its_host_and_each_appeal_naming_an_enterprise_of_its_own_once(self) -> None:
        forum = COMMANDS[5]
        assert isinstance(forum, HoldForum)
        appeals = (
            ForumAppeal(description="gate blocked", category="traffic"),
            ForumAppeal(enterprise_id="ent-2", description="theft", category="theft"),
            ForumAppeal(enterprise_id="ent-1", description="noise", category="other"),
            ForumAppeal(enterprise_id="ent-3", description="fraud", category="other"),
        )
        assert forum.model_copy(update={"appeals": appeals}).claim().mentions == (
            Mention(ENT, "ent-1", "enterprise_id"),
            Mention(ENT, "ent-2", "appeals.1.enterprise_id"),
            Mention(ENT, "ent-3", "appeals.3.enterprise_id"),
            Mention(OFF, "chief-a", "officer_ids.0"),
        )

    def test_a_visit_claims_the_instant_it_began(self) -> None:
        started = datetime(2025, 3, 5, 23, 30, tzinfo=ZONE_TZ)
        visit = RecordVisit(
            visit_id="v-1",
            enterprise_id="ent-1",
            kind=VisitKind.WEEKLY_REVISIT,
            officer_ids=("chief-a",),
            started_at=started,
            ended_at=started + timedelta(hours=1),
            location="gate",
            person_times=1,
            findings="",
        )
        assert (visit.claim().at, visit.claim().field, visit.claim().day) == (started, "started_at", DAY)
        for unplaceable in (datetime(2025, 3, 5, 9), datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))):
            with pytest.raises(InvalidCommand) as refused:
                replace(visit, started_at=unplaceable).claim()
            assert refused.value.field == "started_at"

    def test_a_hazard_names_its_enterprise_when_found_and_the_officers_at_each_step(self) -> None:
        found = RecordHazard(
            hazard_id="hz-1",
            enterprise_id="ent-1",
            description="blocked exit",
            found_on=DAY,
            rectification_due=DAY,
            officer_ids=("chief-a",),
        )
        rectify = RectifyHazard(hazard_id="hz-1", rectified_on=DAY, measures="cleared", officer_ids=("chief-b",))
        verify = VerifyHazard(hazard_id="hz-1", on_visit_id="v-1", verified_on=DAY, officer_ids=("chief-a",))
        assert [(c.field, c.idents(ENT), c.idents(OFF)) for c in (found.claim(), rectify.claim(), verify.claim())] == [
            ("found_on", ["ent-1"], ["chief-a"]),
            ("rectified_on", [], ["chief-b"]),
            ("verified_on", [], ["chief-a"]),
        ]


class TestGivenEveryoneExisted:
    def test_work_on_the_day_they_were_registered_and_enrolled_counts(self) -> None:
        check(work_on(ENROLLED_ON), known())

    def test_work_reported_late_about_a_day_before_a_closure_or_retirement_counts(self) -> None:
        check(work_on(date(2025, 3, 5)), known(closed_at=at(date(2025, 6, 1)), retired_at=at(date(2025, 6, 1))))

    def test_work_on_the_day_of_a_closure_counts_when_the_day_began_before_it(self) -> None:
        check(work_on(date(2025, 6, 1)), known(closed_at=at(date(2025, 6, 1), 17)))


class TestGivenWorkBeforeItsSubjectsExisted:
    def test_work_before_the_enterprise_was_registered_is_refused_naming_the_day(self) -> None:
        with pytest.raises(InvalidCommand) as refused:
            check(work_on(REGISTERED_ON - timedelta(days=1)), known(enrolled_on=date(2025, 1, 1)))
        assert refused.value.field == "occurred_on"
        assert refused.value.reason == (
            "2025-01-31 早于企业 ent-1 的登记日 2025-02-01"
            " (occurred_on 2025-01-31 is before enterprise ent-1 was registered on 2025-02-01)"
        )

    def test_work_before_an_officer_was_enrolled_is_refused_naming_the_day(self) -> None:
        with pytest.raises(InvalidCommand) as refused:
            check(work_on(ENROLLED_ON - timedelta(days=1)), known())
        assert refused.value.field == "occurred_on"
        assert "before officer chief-b was enrolled on 2025-02-10" in refused.value.reason


class TestGivenWorkAfterItsSubjectsWereGone:
    def test_work_after_the_enterprise_closed_is_a_conflict_naming_it(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            check(work_on(date(2025, 6, 2)), known(closed_at=at(date(2025, 6, 1), 17)))
        assert (refused.value.code, refused.value.field) == ("enterprise_closed", "enterprise_id")

    def test_work_on_the_day_an_officer_retired_at_its_start_is_a_conflict_naming_them(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            check(work_on(date(2025, 6, 1)), known(retired_at=at(date(2025, 6, 1), 0)))
        assert (refused.value.code, refused.value.field) == ("officer_retired", "officer_ids.1")

    def test_a_visit_begun_after_the_closing_instant_is_refused_and_one_begun_before_it_is_not(self) -> None:
        closing = at(date(2025, 6, 1), 12)
        before = claim(closing - timedelta(minutes=1), "started_at", [("enterprise_id", "ent-1")], ("chief-a",))
        check(before, known(closed_at=closing))
        with pytest.raises(DomainRejected, match="enterprise ent-1 closed on 2025-06-01"):
            check(replace(before, at=closing), known(closed_at=closing))


class TestTheClaim:
    def test_each_subject_is_named_once_at_its_first_field(self) -> None:
        twice = claim(
            DAY, "occurred_on", [("enterprise_id", "ent-1"), ("appeals.0.enterprise_id", "ent-1")], ("a", "a")
        )
        assert twice.mentions == (Mention(ENT, "ent-1", "enterprise_id"), Mention(OFF, "a", "officer_ids.0"))

    def test_a_day_claims_its_first_instant_in_bureau_time(self) -> None:
        assert claim(DAY, "occurred_on").at == datetime(2025, 3, 5, tzinfo=ZONE_TZ)

    def test_what_is_known_is_told_apart_from_what_is_not(self) -> None:
        assert known().has(Mention(ENT, "ent-1", "enterprise_id"))
        assert not known().has(Mention(ENT, "ent-9", "enterprise_id"))
        assert known().has(Mention(OFF, "chief-b", "officer_ids.0"))
        assert not known().has(Mention(OFF, "ent-1", "officer_ids.0"))
