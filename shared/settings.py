"""Typed settings read once, at each service's composition root. Defaults work locally."""

from pydantic import AwareDatetime, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Environment: NATS_URL, DATABASE_URL, HTTP_HOST, HTTP_PORT, LOG_LEVEL, ... (see README)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    nats_url: str = Field(default="nats://127.0.0.1:4222", description="NATS server URL(s), comma-separated")
    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/postgres", description="This service's own database"
    )
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    log_level: str = "INFO"
    log_json: bool | None = Field(default=None, description="JSON logs; default: JSON unless on a terminal")
    db_pool_min: int = Field(default=2, ge=1)
    db_pool_max: int = Field(default=10, ge=2)
    consumer_batch: int = Field(default=256, ge=1, le=10_000)
    consumer_max_failures: int = Field(default=5, ge=1)
    relay_window: int = Field(default=256, ge=1, le=10_000)
    clock_start: AwareDatetime | None = Field(
        default=None, description="CLOCK_START: run as if started at this instant (demo data); default: real time"
    )
