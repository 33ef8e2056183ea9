"""The unified social credit code check character (GB 32100-2015)."""

import pytest

from jingzhang.assignment.domain.credit_code import is_valid, with_check_character


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", "91110108551385082Q"])
def test_published_codes_are_valid(code: str) -> None:
    assert is_valid(code)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # too short
        "91350100I000100Y43",  # I is not in the alphabet
    ],
)
def test_malformed_codes_are_invalid(code: str) -> None:
    assert not is_valid(code)


def test_a_completed_code_is_valid() -> None:
    assert is_valid(with_check_character("91610900MA7012345"))
