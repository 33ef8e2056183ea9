"""Tokens: sealed under the subject's key, bound to kind and subject, and no key ever shown."""

import base64
import logging

import pytest
import structlog

from jingzhang.shared.privacy import PersonalKind, tokens
from jingzhang.shared.privacy.crypto import DataKey, MasterKey
from jingzhang.shared.privacy.errors import TamperedToken, WrongMasterKey
from jingzhang.shared.privacy.fields import InvalidSubject, Personal

from .sample import NAME, PHONE

SUBJECT = "officer/o-1"


def test_a_value_round_trips_through_its_token() -> None:
    key = DataKey.generate()

    text = tokens.seal(key, PersonalKind.NAME, SUBJECT, NAME)
    token = tokens.parse(text)

    assert text.startswith(f"pii:1:name:{SUBJECT}:")
    assert NAME not in text
    assert token is not None
    assert tokens.open_token(key, token) == NAME


def test_the_same_value_seals_differently_each_time() -> None:
    key = DataKey.generate()

    assert tokens.seal(key, PersonalKind.PHONE, SUBJECT, PHONE) != tokens.seal(key, PersonalKind.PHONE, SUBJECT, PHONE)


def test_an_altered_ciphertext_is_detected() -> None:
    key = DataKey.generate()
    token = tokens.parse(tokens.seal(key, PersonalKind.NAME, SUBJECT, NAME))
    assert token is not None
    flipped = bytes([token.sealed[0], token.sealed[1] ^ 1, *token.sealed[2:]])

    with pytest.raises(TamperedToken):
        tokens.open_token(key, tokens.Token(token.kind, token.subject, flipped))


@pytest.mark.parametrize(
    ("kind", "subject"),
    [(PersonalKind.NAME, "officer/o-2"), (PersonalKind.ID_NUMBER, SUBJECT)],
    ids=["subject", "kind"],
)
def test_a_token_relabelled_to_another_subject_or_kind_does_not_open(kind: PersonalKind, subject: str) -> None:
    key = DataKey.generate()
    token = tokens.parse(tokens.seal(key, PersonalKind.NAME, SUBJECT, NAME))
    assert token is not None

    with pytest.raises(TamperedToken):
        tokens.open_token(key, tokens.Token(kind, subject, token.sealed))


def test_another_persons_key_does_not_open_a_token() -> None:
    token = tokens.parse(tokens.seal(DataKey.generate(), PersonalKind.NAME, SUBJECT, NAME))
    assert token is not None

    with pytest.raises(TamperedToken):
        tokens.open_token(DataKey.generate(), token)


@pytest.mark.parametrize("text", ["张伟", "pii:1:name:officer/o-1:", "pii:1:nickname:officer/o-1:" + "A" * 40, ""])
def test_plain_text_and_look_alikes_are_not_tokens(text: str) -> None:
    assert tokens.parse(text) is None


def test_tokens_are_found_inside_a_document() -> None:
    key = DataKey.generate()
    a = tokens.seal(key, PersonalKind.NAME, SUBJECT, NAME)
    b = tokens.seal(key, PersonalKind.PHONE, "contact/e-1", PHONE)

    found = tokens.find(f'{{"a": "{a}", "b": ["x", "{b}"], "c": "see {a}"}}')

    assert [(t.kind, t.subject) for _, t in found] == [
        (PersonalKind.NAME, SUBJECT),
        (PersonalKind.PHONE, "contact/e-1"),
        (PersonalKind.NAME, SUBJECT),
    ]


class TestKeys:
    def test_keys_never_show_their_bytes(self) -> None:
        raw = b"k" * 32
        for key in (DataKey(raw), MasterKey(raw)):
            assert "k" * 8 not in repr(key)
            assert "hidden" in repr(key)
            assert "k" * 8 not in str(key)

    def test_a_wrapped_key_opens_only_with_its_master_key_and_subject(self) -> None:
        master = MasterKey.from_base64(MasterKey.new_base64())
        key = DataKey.generate()
        wrapped = master.wrap(key, SUBJECT)
        token = tokens.parse(tokens.seal(key, PersonalKind.NAME, SUBJECT, NAME))
        assert token is not None

        assert tokens.open_token(master.unwrap(wrapped, SUBJECT), token) == NAME
        with pytest.raises(WrongMasterKey, match="KEYSTORE_MASTER_KEY"):
            MasterKey(b"x" * 32).unwrap(wrapped, SUBJECT)
        with pytest.raises(WrongMasterKey):
            master.unwrap(wrapped, "officer/o-2")  # a wrapped key copied onto another subject's row

    @pytest.mark.parametrize("text", ["not base64!", base64.b64encode(b"short").decode()])
    def test_a_malformed_master_key_is_refused_clearly(self, text: str) -> None:
        with pytest.raises(ValueError, match="KEYSTORE_MASTER_KEY"):
            MasterKey.from_base64(text)

    def test_a_logged_key_shows_nothing(self, caplog: pytest.LogCaptureFixture) -> None:
        key = DataKey(b"s" * 32)
        with caplog.at_level(logging.INFO):
            structlog.get_logger("test").info("key", key=key)
            logging.getLogger("test").info("key %s %r", key, key)
        assert "s" * 8 not in caplog.text


class TestSubjects:
    def test_a_template_must_name_a_field(self) -> None:
        with pytest.raises(ValueError, match="names no field"):
            Personal(PersonalKind.NAME, subject="officer/fixed")

    @pytest.mark.parametrize("officer_id", ["", "a:b", "a b", "x" * 200])
    def test_a_subject_that_would_break_the_token_is_refused(self, officer_id: str) -> None:
        with pytest.raises(InvalidSubject):
            Personal(PersonalKind.NAME, subject="officer/{officer_id}").subject_for({"officer_id": officer_id})

    def test_a_template_naming_a_missing_field_is_refused(self) -> None:
        with pytest.raises(InvalidSubject, match="missing field"):
            Personal(PersonalKind.NAME, subject="officer/{nope}").subject_for({"officer_id": "o-1"})
