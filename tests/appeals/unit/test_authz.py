"""Whom police work is recorded against: officers write as themselves, the bureau names the officer."""

import pytest

from jingzhang.appeals.api.authz import writer
from jingzhang.shared.auth import Forbidden, Principal, Role
from jingzhang.shared.errors import InvalidCommand

OFFICER = Principal("sun", Role.OFFICER, officer_id="off-sun")
STATION_CHIEF = Principal("chen", Role.STATION_CHIEF, officer_id="off-chen", station="恒口")
BUREAU = Principal("desk", Role.BUREAU)


class TestAnOfficerWriting:
    @pytest.mark.parametrize("principal", [OFFICER, STATION_CHIEF])
    def test_left_out_it_is_the_caller(self, principal: Principal) -> None:
        assert writer(principal, None, "resolved_by") == principal.officer_id

    def test_naming_themselves_is_the_same(self) -> None:
        assert writer(OFFICER, "off-sun", "resolved_by") == "off-sun"

    @pytest.mark.parametrize("principal", [OFFICER, STATION_CHIEF])
    def test_naming_someone_else_is_refused_with_the_field(self, principal: Principal) -> None:
        with pytest.raises(Forbidden) as err:
            writer(principal, "off-li", "closed_by")
        assert err.value.reason == f"closed_by: officer {principal.officer_id} records their own work, not off-li's"


class TestTheBureauWriting:
    def test_it_records_the_officer_it_names(self) -> None:
        assert writer(BUREAU, "off-li", "referred_by") == "off-li"

    def test_it_must_name_one(self) -> None:
        with pytest.raises(InvalidCommand) as err:
            writer(BUREAU, None, "referred_by")
        assert err.value.field == "referred_by"
