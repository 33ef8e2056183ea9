"""The masking policy: who sees which kind of personal value, and what a mask gives away."""

import pytest

from jingzhang.shared.privacy.fields import PersonalKind
from jingzhang.shared.privacy.policy import HIDDEN, Sight, Viewer, mask, present, sight

from .sample import ID_NUMBER, PHONE, WECHAT

K = PersonalKind
S = "officer/o-1"
ROLES = ["enterprise_contact", "officer", "station_chief", "bureau", "auditor", None]
# kind -> what each role in ROLES sees (F full, M masked, H hidden)
TABLE = {
    K.NAME: "FFFFFF",
    K.PHONE: "FFFFMM",
    K.WECHAT: "FFFFMM",
    K.ID_NUMBER: "MMMFMM",
    K.PHOTO: "HFFFHH",
    K.LOCATION: "HFFFHH",
    K.FREE_TEXT: "FFFFHH",
}
SIGHT = {"F": Sight.FULL, "M": Sight.MASKED, "H": Sight.HIDDEN}


@pytest.mark.parametrize("kind", list(K))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_each_kind_as_the_policy_says(kind: PersonalKind, role: str | None) -> None:
    expected = SIGHT[TABLE[kind][ROLES.index(role)]]

    assert sight(kind, S, Viewer(role=role)) is expected


@pytest.mark.parametrize("kind", list(K))
def test_a_person_sees_their_own_data_in_full(kind: PersonalKind) -> None:
    assert sight(kind, S, Viewer(role="enterprise_contact", person=S)) is Sight.FULL
    assert sight(kind, "officer/o-2", Viewer(role="auditor", person=S)) is SIGHT[TABLE[kind][4]]


def test_masks_keep_only_the_ends() -> None:
    assert mask(K.PHONE, PHONE) == "138****5678"
    assert mask(K.ID_NUMBER, ID_NUMBER) == "3301**********1234"
    assert mask(K.WECHAT, WECHAT) == "zh*********01"


@pytest.mark.parametrize("value", ["", "1", "12345", "1234567", "1234567890"])
def test_a_value_too_short_to_hide_four_characters_shows_none(value: str) -> None:
    masked = mask(K.PHONE, value)

    assert set(masked) == {"*"}
    assert len(masked) >= 4


def test_hidden_values_are_not_shown_at_all() -> None:
    assert present(K.PHOTO, "photos/x.jpg", Sight.HIDDEN) == HIDDEN
    assert present(K.PHONE, PHONE, Sight.MASKED) == "138****5678"
    assert present(K.PHONE, PHONE, Sight.FULL) == PHONE
