"""The patrols service's settings: the kernel's, plus how often the cadence worker looks."""

from pydantic import Field

from jingzhang.shared.settings import ServiceSettings


class PatrolsSettings(ServiceSettings):
    """Adds CADENCE_POLL_INTERVAL (seconds between two passes of the cadence worker)."""

    cadence_poll_interval: float = Field(default=60.0, gt=0, description="Seconds between cadence passes")
