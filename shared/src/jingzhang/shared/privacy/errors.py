"""What can go wrong with personal data: refused writes, a wrong master key, a forged token."""

from jingzhang.shared.errors import DomainRejected, JingzhangError


class PrivacyError(JingzhangError):
    """Base of the key store's and the tokens' own errors."""


class PersonErased(DomainRejected):
    """New personal data for a subject whose key was destroyed: erasure is final (HTTP 409)."""

    def __init__(self, subject: str, *, field: str | None = None) -> None:
        reason = f"{subject} has been erased: no new personal data may be recorded for them"
        super().__init__(reason, field=field, code="person_erased")
        self.subject = subject


class WrongMasterKey(PrivacyError):
    """KEYSTORE_MASTER_KEY does not open the key store's keys: it was created with another master key."""


class UnknownMasterKey(WrongMasterKey):
    """A data key wrapped under a master key this process was not given (nor any key it was given)."""


class MasterKeyRetired(PrivacyError):
    """A master key that was retired (no data key is wrapped under it any more) offered as the current one."""


class TamperedToken(PrivacyError):
    """A token whose ciphertext does not authenticate under its subject's key, kind and subject."""


class MasterKeyMissing(PrivacyError):
    """No KEYSTORE_MASTER_KEY: a service refuses to start rather than write personal data in the clear."""
