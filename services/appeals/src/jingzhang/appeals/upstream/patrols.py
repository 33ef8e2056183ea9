"""The patrols service's events as appeals reads them: the appeals a forum (座谈会) collected.

Only the fields the forum intake uses; the rest is ignored, and every other activity (disputes,
cases, trainings, ...) decodes to `Unread`.
"""

from datetime import date

from pydantic import BaseModel, ConfigDict

from jingzhang.shared.readers import PublishedEvent, ReaderRegistry

PRODUCER = "patrols"


class CollectedAppeal(BaseModel):
    """An appeal heard at a forum, under the id patrols derived for it (the same on every delivery)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    appeal_id: str
    enterprise_id: str
    description: str
    category: str  # free text at patrols


class ForumHeld(PublishedEvent):
    """`activity_id` is the forum's id; `occurred_on` the day it was held (bureau time), when its
    appeals were received."""

    activity_id: str
    occurred_on: date | None = None
    collected_appeals: tuple[CollectedAppeal, ...] = ()

    @property
    def forum_id(self) -> str:
        return self.activity_id


READS = ReaderRegistry([ForumHeld])
