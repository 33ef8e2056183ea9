"""A small event model carrying every kind of personal data, and the values the tests look for."""

from typing import Annotated

from pydantic import BaseModel, Field

from jingzhang.shared.events import DomainEvent, EventRegistry
from jingzhang.shared.privacy import Personal, PersonalKind

OFFICER = "officer/{officer_id}"


class Contact(BaseModel):
    """A nested model: its subject template reads its own fields."""

    enterprise_id: str
    name: Annotated[str, Personal(PersonalKind.NAME, subject="contact/{enterprise_id}")]


class PersonEnrolled(DomainEvent):
    officer_id: str
    name: Annotated[str, Personal(PersonalKind.NAME, subject=OFFICER)]
    phone: Annotated[str | None, Personal(PersonalKind.PHONE, subject=OFFICER)] = None
    wechat: Annotated[str | None, Personal(PersonalKind.WECHAT, subject=OFFICER)] = None
    id_number: Annotated[str | None, Personal(PersonalKind.ID_NUMBER, subject=OFFICER)] = None
    photo_ref: Annotated[str | None, Personal(PersonalKind.PHOTO, subject=OFFICER)] = None
    notes: Annotated[list[str], Personal(PersonalKind.FREE_TEXT, subject=OFFICER)] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    unit: str = ""
    rank: int = 0


class PersonRenamed(DomainEvent):
    officer_id: str
    name: Annotated[str, Personal(PersonalKind.NAME, subject=OFFICER)]


class UnitCounted(DomainEvent):
    """No personal data: stored exactly as before."""

    unit: str
    officers: int


REGISTRY = EventRegistry([PersonEnrolled, PersonRenamed, UnitCounted])

NAME = "张伟"
PHONE = "13812345678"
WECHAT = "zhangwei_hk01"
ID_NUMBER = "330102198001011234"
PHOTO = "photos/zhang-wei.jpg"
NOTE = "张伟 asked to be called after 6pm"
CONTACT_NAME = "李娜"
PLAINTEXTS = (NAME, PHONE, WECHAT, ID_NUMBER, PHOTO, NOTE, CONTACT_NAME)


def enrolled(officer_id: str = "o-1", **overrides: object) -> PersonEnrolled:
    values: dict[str, object] = {
        "officer_id": officer_id,
        "name": NAME,
        "phone": PHONE,
        "wechat": WECHAT,
        "id_number": ID_NUMBER,
        "photo_ref": PHOTO,
        "notes": [NOTE],
        "contacts": [Contact(enterprise_id="e-1", name=CONTACT_NAME)],
        "unit": "恒口派出所",
        "rank": 3,
    }
    values.update(overrides)
    return PersonEnrolled.model_validate(values)
