"""The scope rules, as pure decisions: who may read or act for which enterprise and officer."""

import pytest

from jingzhang.shared.auth import Action, EnterpriseLinks, Forbidden, Principal, Role, ensure, policy

LINKS = EnterpriseLinks("e-1", frozenset({"off-1", "off-2"}), frozenset({"城东派出所"}))
CONTACT = Principal("c", Role.ENTERPRISE_CONTACT, enterprise_id="e-1")
OTHER_CONTACT = Principal("c2", Role.ENTERPRISE_CONTACT, enterprise_id="e-2")
OFFICER = Principal("o", Role.OFFICER, officer_id="off-1")
STRANGER = Principal("s", Role.OFFICER, officer_id="off-9")
STATION = Principal("sc", Role.STATION_CHIEF, officer_id="off-5", station="城东派出所")
OTHER_STATION = Principal("sc2", Role.STATION_CHIEF, officer_id="off-6", station="城西派出所")
BUREAU = Principal("b", Role.BUREAU)
AUDITOR = Principal("a", Role.AUDITOR)


@pytest.mark.parametrize(
    ("principal", "read", "act"),
    [
        (CONTACT, True, True),
        (OTHER_CONTACT, False, False),
        (OFFICER, True, True),
        (STRANGER, False, False),
        (STATION, True, True),
        (OTHER_STATION, False, False),
        (BUREAU, True, True),
        (AUDITOR, True, False),
    ],
)
def test_enterprise_scope(principal: Principal, read: bool, act: bool) -> None:
    assert (policy.enterprise(principal, LINKS, Action.READ) is None) is read
    assert (policy.enterprise(principal, LINKS, Action.ACT) is None) is act


def test_refusals_say_why() -> None:
    assert policy.enterprise(OTHER_CONTACT, LINKS, Action.READ) == (
        "enterprise contacts may only read for their own enterprise (e-2)"
    )
    assert policy.enterprise(STRANGER, LINKS, Action.ACT) == "officer off-9 is not linked to enterprise e-1"
    assert policy.enterprise(AUDITOR, LINKS, Action.ACT) == "auditors have read-only access"
    with pytest.raises(Forbidden, match="not linked"):
        ensure(policy.enterprise(STRANGER, LINKS, Action.READ))
    ensure(None)


def test_officer_scope() -> None:
    assert policy.officer(OFFICER, "off-1", None, Action.ACT) is None
    assert policy.officer(OFFICER, "off-2", "城东派出所", Action.READ) is not None
    assert policy.officer(STATION, "off-2", "城东派出所", Action.ACT) is None
    assert policy.officer(STATION, "off-5", None, Action.READ) is None  # themselves
    assert policy.officer(OTHER_STATION, "off-2", "城东派出所", Action.READ) == (
        "officer off-2 does not serve at station 城西派出所"
    )
    assert policy.officer(CONTACT, "off-1", None, Action.READ) is not None
    assert policy.officer(AUDITOR, "off-1", None, Action.READ) is None
    assert policy.officer(AUDITOR, "off-1", None, Action.ACT) is not None


def test_everything_is_for_the_bureau_and_auditors_reading() -> None:
    assert policy.everything(BUREAU, Action.ACT, "x") is None
    assert policy.everything(AUDITOR, Action.READ, "x") is None
    assert policy.everything(AUDITOR, Action.ACT, "x") == "auditors have read-only access"
    refusal = policy.everything(STATION, Action.READ, "listing every enterprise")
    assert refusal == "listing every enterprise needs one of the roles bureau, auditor; you are station_chief"
