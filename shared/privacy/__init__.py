"""Personal data in the event log: field markers, per-person encryption, erasure by key destruction.

Events mark personal fields with `Personal`; the event store seals them on append (`Protector`)
with a per-subject key from the key store; the HTTP edge reveals them per role
(`RevealPersonalData`); erasing a subject destroys its key (`privacy_router`, `jingzhang privacy erase`).
"""

from jingzhang.shared.privacy.api import privacy_router
from jingzhang.shared.privacy.crypto import DataKey, MasterKey
from jingzhang.shared.privacy.errors import MasterKeyMissing, PersonErased, TamperedToken, WrongMasterKey
from jingzhang.shared.privacy.fields import InvalidSubject, Personal, PersonalKind, check_subject
from jingzhang.shared.privacy.keystore import KeyStore, MemoryKeyStore, PostgresKeyStore, Tombstone
from jingzhang.shared.privacy.middleware import RevealPersonalData
from jingzhang.shared.privacy.policy import ERASED, Viewer
from jingzhang.shared.privacy.protect import Protector
from jingzhang.shared.privacy.reveal import reveal_text

__all__ = [
    "ERASED",
    "DataKey",
    "InvalidSubject",
    "KeyStore",
    "MasterKey",
    "MasterKeyMissing",
    "MemoryKeyStore",
    "PersonErased",
    "Personal",
    "PersonalKind",
    "PostgresKeyStore",
    "Protector",
    "RevealPersonalData",
    "TamperedToken",
    "Tombstone",
    "Viewer",
    "WrongMasterKey",
    "check_subject",
    "privacy_router",
    "reveal_text",
]
