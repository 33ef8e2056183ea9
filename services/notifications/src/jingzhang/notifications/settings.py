"""The notifications service's settings: the kernel's, plus delivery, quiet hours and the SMS gateway."""

from pydantic import Field, SecretStr, field_validator

from jingzhang.notifications.domain.quiet import QuietHours
from jingzhang.shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """DELIVERY_*, QUIET_HOURS_*, ROBOT_RATE_*, SMS_*, CONSOLE_URL (see docs/notifications.md)."""

    console_url: str = Field(default="http://127.0.0.1:8105/console", description="CONSOLE_URL: links in messages")
    delivery_poll_interval: float = Field(default=0.5, gt=0, description="Seconds between two delivery passes")
    delivery_batch: int = Field(default=64, ge=1, le=1000, description="Messages claimed per delivery pass")
    delivery_max_attempts: int = Field(default=8, ge=1, description="Failed attempts before a message is dead-lettered")
    delivery_backoff: float = Field(default=5.0, gt=0, description="First retry delay (s); doubles per attempt")
    delivery_backoff_max: float = Field(default=900.0, gt=0, description="Longest retry delay (s)")
    delivery_lease: float = Field(
        default=60.0, gt=0, description="Seconds a claimed message is left to its sender before another may retry it"
    )
    delivery_timeout: float = Field(default=10.0, gt=0, description="HTTP timeout of one send (s)")
    robot_rate_limit: int = Field(default=20, ge=1, description="Messages per robot per window (WeCom: 20 a minute)")
    robot_rate_window: float = Field(default=60.0, gt=0, description="The robot's rate-limit window (s)")
    quiet_hours_officer: str = Field(default="22:00-07:00", description="Bureau time; non-urgent SMS wait")
    quiet_hours_group: str = Field(default="21:00-08:00", description="Bureau time; non-urgent group messages wait")
    sms_gateway_url: str = Field(default="http://127.0.0.1:8120/", description="SMS_GATEWAY_URL: the provider's API")
    sms_access_key_id: str = Field(default="jz-local", description="SMS_ACCESS_KEY_ID")
    sms_access_key_secret: SecretStr = Field(default=SecretStr("jz-local-secret"), description="SMS_ACCESS_KEY_SECRET")
    sms_sign_name: str = Field(default="恒口公安", description="SMS_SIGN_NAME: the approved signature (签名)")

    @field_validator("quiet_hours_officer", "quiet_hours_group")
    @classmethod
    def _quiet(cls, value: str) -> str:
        QuietHours.parse(value)
        return value

    @property
    def quiet(self) -> dict[str, QuietHours]:
        """Quiet hours per recipient kind; the console has none."""
        return {
            "officer": QuietHours.parse(self.quiet_hours_officer),
            "group": QuietHours.parse(self.quiet_hours_group),
        }
