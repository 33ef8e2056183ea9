"""The assignment service's settings: the kernel's, plus how often the acting-chief worker looks."""

from pydantic import Field

from jingzhang.shared.settings import ServiceSettings


class AssignmentSettings(ServiceSettings):
    acting_poll_interval: float = Field(
        default=5.0, gt=0, description="Seconds between checks for absences that started or ended"
    )
