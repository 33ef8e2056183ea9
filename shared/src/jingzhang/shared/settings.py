"""Typed settings read once, at each service's composition root. Defaults work locally."""

from pathlib import Path
from typing import Self

from pydantic import AwareDatetime, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from jingzhang.shared.partitions import PARTITIONS


class ServiceSettings(BaseSettings):
    """Environment: NATS_URL, DATABASE_URL, HTTP_HOST, HTTP_PORT, LOG_LEVEL, ... (see README).

    A service with settings of its own subclasses this and builds them with `of`."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    @classmethod
    def of(cls, settings: "ServiceSettings | None") -> Self:
        """These settings from the kernel's (as tests and the local stack build them), this class's
        defaults and environment added; given settings of this class already, them."""
        if isinstance(settings, cls):
            return settings
        return cls(**settings.model_dump()) if settings is not None else cls()

    nats_url: str = Field(default="nats://127.0.0.1:4222", description="NATS server URL(s), comma-separated")
    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/postgres", description="This service's own database"
    )
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    instance_id: str = Field(
        default="",
        max_length=64,
        description="INSTANCE_ID: a token of this process's start, shown by /health/live, so whoever started it"
        " (the local supervisor) knows that the process answering on the port is its own",
    )
    log_level: str = "INFO"
    log_json: bool | None = Field(default=None, description="JSON logs; default: JSON unless on a terminal")
    db_pool_min: int = Field(default=2, ge=1)
    db_pool_max: int = Field(default=10, ge=2)
    consumer_batch: int = Field(default=256, ge=1, le=10_000)
    consumer_max_failures: int = Field(default=5, ge=1)
    consumer_ack_wait: float = Field(
        default=30.0,
        ge=1.0,
        le=3600.0,
        description="CONSUMER_ACK_WAIT: seconds JetStream waits for a delivered event's ack before it delivers it"
        " again: after a replica is killed, its unacknowledged events reach the next owner this much later"
        " (shorter: faster recovery; longer than the slowest batch's handling, or it is delivered twice)",
    )
    consumer_max_event_bytes: int = Field(
        default=512 * 1024,
        ge=1024,
        le=1024 * 1024,
        description="CONSUMER_MAX_EVENT_BYTES: a larger event parks with its stream (the streams take 1 MiB)",
    )
    relay_window: int = Field(default=256, ge=1, le=10_000)
    partitions: int = Field(
        default=PARTITIONS,
        ge=1,
        le=64,
        description="PARTITIONS: how many partitions every service's projection consumers split a source into,"
        " the same in every service and in `jingzhang provision --partitions`; 1: no partitioned copies, the"
        " consumers read the service streams and one replica at a time runs each (the default); more: replicas"
        " share each source's consumers, through a partitioned copy of each service stream (see `partitions`)",
    )
    subject_wait: float = Field(
        default=1.5,
        ge=0,
        le=10,
        description="SUBJECT_WAIT: seconds a command naming an enterprise or officer this service does not know"
        " may wait for the producer's relay and this service's consumers to show it is nobody's (422) before it is"
        " answered 409 not_yet_known (see `watermark`)",
    )
    clock_skew: float = Field(
        default=0.1,
        ge=0,
        le=5,
        description="CLOCK_SKEW: seconds the wall clocks of two services' hosts may differ by; a producer's"
        " watermark must pass the moment of asking by this much (see `watermark`)",
    )
    clock_control: bool = Field(
        default=False,
        description="CLOCK_CONTROL: with CLOCK_START, the bureau may move the clock forward (PUT /clock):"
        " the local demo year only, never in production",
    )
    clock_start: AwareDatetime | None = Field(
        default=None, description="CLOCK_START: run as if started at this instant (demo data); default: real time"
    )
    auth_public_key_file: Path | None = Field(
        default=None, description="AUTH_PUBLIC_KEY_FILE: PEM public key(s) that sign access tokens (local issuer)"
    )
    auth_jwks_url: str | None = Field(default=None, description="AUTH_JWKS_URL: the OIDC provider's JWKS endpoint")
    auth_issuer: str = Field(default="jingzhang-local", description="AUTH_ISSUER: the tokens' required `iss`")
    auth_audience: str = Field(default="jingzhang", description="AUTH_AUDIENCE: the tokens' required `aud`")
    auth_role_claim: str = Field(default="role", description="AUTH_ROLE_CLAIM: the claim holding the role")
    keystore_url: str | None = Field(
        default=None,
        description="KEYSTORE_URL: the personal-data key store's database, shared by every service;"
        " default: DATABASE_URL, schema `keystore`",
    )
    keystore_master_key: SecretStr | None = Field(
        default=None,
        description="KEYSTORE_MASTER_KEY: base64 of 32 random bytes wrapping every person's key; a secret, required",
    )
    keystore_previous_master_keys: SecretStr | None = Field(
        default=None,
        description="KEYSTORE_PREVIOUS_MASTER_KEYS: comma-separated earlier master keys, still accepted for"
        " unwrapping while `jingzhang privacy rotate-master-key` re-wraps every key under KEYSTORE_MASTER_KEY",
    )
    keystore_cache: bool = Field(
        default=True,
        description="KEYSTORE_CACHE: keep keys read a moment ago in memory (10 s), forgotten when an erasure"
        " commits anywhere (a notice on the key store's database); false: one round trip per command or read",
    )
