"""Given/when/then for the task force (专班) and the police office (驻企警务室)."""

from datetime import date, timedelta

import pytest

from jingzhang.assignment.domain.commands import (
    AddTaskForceMember,
    ClosePoliceOffice,
    FormTaskForce,
    OpenPoliceOffice,
    RemoveTaskForceMember,
)
from jingzhang.assignment.domain.events import (
    EnterpriseClass,
    EnterpriseSuspended,
    OfficerRetired,
    PoliceOfficeClosed,
    PoliceOfficeOpened,
    Slot,
    TaskForceFormed,
    TaskForceMemberAdded,
    TaskForceMemberRemoved,
)
from jingzhang.assignment.domain.offices import (
    add_task_force_member,
    close_police_office,
    form_task_force,
    open_police_office,
    remove_task_force_member,
)
from jingzhang.shared.errors import DomainRejected, InvalidCommand, UnknownSubject

from .samples import BL, ENTERPRISE_ID, OFFICERS, PC, T0, enrolled, given, given_officer, registered, serving

LEADER, MEMBER = OFFICERS[(BL, Slot.A)], OFFICERS[(PC, Slot.A)]
FORM = FormTaskForce(enterprise_id=ENTERPRISE_ID, name="雅纺专班", leader_officer_id=LEADER)
FORMED = TaskForceFormed(**FORM.facts())
ADD = AddTaskForceMember(enterprise_id=ENTERPRISE_ID, officer_id=MEMBER, role="liaison")
OPEN = OpenPoliceOffice(enterprise_id=ENTERPRISE_ID, office_id="office-1", online=True, offline=True, location="门卫室")
OPENED = PoliceOfficeOpened(**{**OPEN.facts(), "opened_on": T0.date()})
NOW = T0 + timedelta(days=2)


def opened_on(day: date) -> OpenPoliceOffice:
    return OPEN.model_copy(update={"opened_on": day})


class TestTaskForceWhenActive:
    def test_a_key_project_forms_its_task_force(self) -> None:
        assert form_task_force(given(registered()), FORM, serving(LEADER)) == [FORMED]

    def test_an_enterprise_that_is_no_key_project_gets_none(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            form_task_force(given(registered(EnterpriseClass.ABOVE_SCALE)), FORM, serving(LEADER))

        assert refused.value.code == "not_key_project"

    def test_a_leader_never_enrolled_is_unknown_naming_the_field(self) -> None:
        with pytest.raises(UnknownSubject) as refused:
            form_task_force(given(registered()), FORM, given_officer())

        assert (refused.value.code, refused.value.field) == ("unknown_officer", "leader_officer_id")

    def test_a_member_never_enrolled_is_unknown_naming_the_field(self) -> None:
        with pytest.raises(UnknownSubject) as refused:
            add_task_force_member(given(registered(), FORMED), ADD, given_officer())

        assert (refused.value.code, refused.value.field) == ("unknown_officer", "officer_id")

    def test_a_retired_member_is_refused(self) -> None:
        retired = given_officer(enrolled(MEMBER), OfficerRetired(officer_id=MEMBER, effective_from=T0))

        with pytest.raises(DomainRejected) as refused:
            add_task_force_member(given(registered(), FORMED), ADD, retired)

        assert (refused.value.code, refused.value.field) == ("officer_retired", "officer_id")

    def test_a_second_task_force_is_refused_but_a_retry_records_nothing(self) -> None:
        state = given(registered(), FORMED)

        assert form_task_force(state, FORM, serving(LEADER)) == []
        with pytest.raises(DomainRejected) as refused:
            form_task_force(state, FORM.model_copy(update={"name": "另一个专班"}), serving(LEADER))
        assert refused.value.code == "task_force_exists"

    def test_members_join_and_leave(self) -> None:
        state = given(registered(), FORMED)
        remove = RemoveTaskForceMember(enterprise_id=ENTERPRISE_ID, officer_id=MEMBER, reason="rotation")

        joined = add_task_force_member(state, ADD, serving(MEMBER))
        left = remove_task_force_member(given(registered(), FORMED, *joined), remove)

        assert joined == [TaskForceMemberAdded(**ADD.facts())]
        assert left == [TaskForceMemberRemoved(**remove.facts())]
        assert given(registered(), FORMED, *joined, *left).task_force == given(registered(), FORMED).task_force

    def test_members_need_a_task_force(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            add_task_force_member(given(registered()), ADD, serving(MEMBER))

        assert refused.value.code == "no_task_force"

    def test_removing_someone_who_is_no_member_records_nothing(self) -> None:
        remove = RemoveTaskForceMember(enterprise_id=ENTERPRISE_ID, officer_id=MEMBER, reason="x")

        assert remove_task_force_member(given(registered(), FORMED), remove) == []


class TestPoliceOfficeWhenActive:
    def test_an_office_opens_online_and_offline_on_the_day_given(self) -> None:
        assert open_police_office(given(registered()), opened_on(T0.date()), now=NOW) == [OPENED]

    def test_an_office_opens_today_by_default_in_bureau_time(self) -> None:
        late_evening_utc = T0.replace(hour=20)  # 04:00 the next day in Asia/Shanghai

        [opened] = open_police_office(given(registered()), OPEN, now=late_evening_utc)

        assert isinstance(opened, PoliceOfficeOpened)
        assert opened.opened_on == date(2024, 3, 2)

    def test_an_office_cannot_open_in_the_future(self) -> None:
        with pytest.raises(InvalidCommand) as refused:
            open_police_office(given(registered()), opened_on(NOW.date() + timedelta(days=2)), now=NOW)

        assert refused.value.field == "opened_on"

    def test_an_office_cannot_open_before_the_enterprise_was_registered(self) -> None:
        with pytest.raises(InvalidCommand) as refused:
            open_police_office(given(registered()), opened_on(T0.date() - timedelta(days=1)), now=NOW)

        assert refused.value.field == "opened_on"
        assert "2024-03-01" in refused.value.reason

    def test_an_office_is_online_offline_or_both(self) -> None:
        with pytest.raises(InvalidCommand) as refused:
            open_police_office(
                given(registered()), OPEN.model_copy(update={"online": False, "offline": False}), now=NOW
            )

        assert refused.value.field == "online"

    def test_an_offline_office_needs_a_location(self) -> None:
        with pytest.raises(InvalidCommand) as refused:
            open_police_office(given(registered()), OPEN.model_copy(update={"location": None}), now=NOW)

        assert refused.value.field == "location"

    def test_a_second_office_is_refused_but_a_retry_records_nothing(self) -> None:
        state = given(registered(), OPENED)

        assert open_police_office(state, OPEN, now=NOW) == []
        assert open_police_office(state, opened_on(T0.date()), now=NOW) == []
        with pytest.raises(DomainRejected):
            open_police_office(state, opened_on(NOW.date()), now=NOW)
        with pytest.raises(DomainRejected):
            open_police_office(state, OPEN.model_copy(update={"office_id": "office-2"}), now=NOW)

    def test_closing_the_office_records_which_one(self) -> None:
        cmd = ClosePoliceOffice(enterprise_id=ENTERPRISE_ID, reason="merged")

        assert close_police_office(given(registered(), OPENED), cmd) == [
            PoliceOfficeClosed(enterprise_id=ENTERPRISE_ID, office_id="office-1", reason="merged")
        ]
        assert close_police_office(given(registered()), cmd) == []


class TestWhenSuspended:
    SUSPENDED = (registered(), EnterpriseSuspended(enterprise_id=ENTERPRISE_ID, reason="x"))

    def test_no_office_opens(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            open_police_office(given(*self.SUSPENDED), OPEN, now=NOW)

        assert refused.value.code == "enterprise_suspended"

    def test_no_task_force_forms(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            form_task_force(given(*self.SUSPENDED), FORM, serving(LEADER))

        assert refused.value.code == "enterprise_suspended"
