"""Personal data in the event log: field markers, per-person encryption, erasure by key destruction."""

from jingzhang.shared.privacy.fields import InvalidSubject, Personal, PersonalKind, check_subject

__all__ = ["InvalidSubject", "Personal", "PersonalKind", "check_subject"]
