"""The appeals service's settings: the kernel's, plus time limits and the deadline worker's pace."""

from datetime import timedelta

from pydantic import Field

from jingzhang.appeals.domain.policy import TimeLimits
from jingzhang.appeals.domain.vocabulary import LimitClass
from jingzhang.shared.settings import ServiceSettings


class AppealsSettings(ServiceSettings):
    """Environment: LIMIT_GENERAL=P7D, DEADLINE_POLL_INTERVAL=5, ... (defaults from the 12345 practice).

    Built with `AppealsSettings.of(settings)` from the kernel's settings, as tests and the local stack make them."""

    limit_emergency: timedelta = timedelta(hours=2)
    limit_urgent: timedelta = timedelta(hours=24)
    limit_general: timedelta = timedelta(days=7)
    limit_complex: timedelta = timedelta(days=15)
    first_response: timedelta = timedelta(hours=24)
    warning_fraction: float = Field(default=0.8, gt=0, lt=1)
    escalation_grace: timedelta = timedelta(hours=24)
    max_extension: timedelta = timedelta(days=15)
    recurring_window: timedelta = Field(
        default=timedelta(days=30), gt=timedelta(0), description="Appeals this close in time may be one problem"
    )
    recurring_threshold: int = Field(default=2, gt=0, description="How many similar appeals make a problem")
    deadline_poll_interval: float = Field(
        default=5.0, gt=0, description="Seconds between the periodic passes: the duty desk's routing, deadline checks"
    )

    def time_limits(self) -> TimeLimits:
        return TimeLimits(
            class_limits={
                LimitClass.EMERGENCY: self.limit_emergency,
                LimitClass.URGENT: self.limit_urgent,
                LimitClass.GENERAL: self.limit_general,
                LimitClass.COMPLEX: self.limit_complex,
            },
            first_response=self.first_response,
            warning_fraction=self.warning_fraction,
            escalation_grace=self.escalation_grace,
            max_extension=self.max_extension,
        )
