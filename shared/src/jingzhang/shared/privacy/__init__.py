"""Personal data in the event log: field markers, per-person encryption, erasure by key destruction.

Events mark personal fields with `Personal`; the event store seals them on append (`protect.Protector`)
with a per-subject key from the key store (`keystore`); the HTTP edge reveals them per role
(`middleware.RevealPersonalData`); erasing a subject destroys its key (`api.privacy_router`,
`jingzhang privacy erase`). This package exports only what domain code may import: no I/O.
"""

from jingzhang.shared.privacy.errors import PersonErased
from jingzhang.shared.privacy.fields import InvalidSubject, Personal, PersonalKind, check_subject
from jingzhang.shared.privacy.policy import ERASED

__all__ = ["ERASED", "InvalidSubject", "PersonErased", "Personal", "PersonalKind", "check_subject"]
