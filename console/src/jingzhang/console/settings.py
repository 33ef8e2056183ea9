"""The console's settings, read once at its composition root. Defaults work with `jz up`."""

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from jingzhang.app.services import PORTS


def _local(service: str) -> str:
    return f"http://127.0.0.1:{PORTS[service]}"


def _env(field: str) -> AliasChoices:
    """A setting the console shares with the services (NATS_URL, AUTH_*) or the provider (OIDC_*)."""
    return AliasChoices(field, field.upper(), f"CONSOLE_{field.upper()}")


class ConsoleSettings(BaseSettings):
    """Environment: CONSOLE_* for the console's own (CONSOLE_HTTP_PORT, CONSOLE_ASSIGNMENT_URL, ...),
    NATS_URL, AUTH_* and OIDC_* as named."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", env_prefix="CONSOLE_", populate_by_name=True)

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8100, ge=0, le=65535)
    public_url: str | None = Field(
        default=None, description="CONSOLE_PUBLIC_URL: where people reach the console (QR codes, OIDC redirect)"
    )
    assignment_url: str = Field(default_factory=lambda: _local("assignment"))
    appeals_url: str = Field(default_factory=lambda: _local("appeals"))
    patrols_url: str = Field(default_factory=lambda: _local("patrols"))
    evaluation_url: str = Field(default_factory=lambda: _local("evaluation"))
    nats_url: str | None = Field(
        default="nats://127.0.0.1:4222", validation_alias=_env("nats_url"), description="NATS_URL: live events (SSE)"
    )
    session_secret: SecretStr | None = Field(
        default=None, description="CONSOLE_SESSION_SECRET: signs the session cookie; required in production"
    )
    cookie_secure: bool = Field(default=False, description="CONSOLE_COOKIE_SECURE: session cookie over HTTPS only")
    dev_signing_key_file: Path | None = Field(
        default=None,
        description="CONSOLE_DEV_SIGNING_KEY_FILE: the local signing key; when set, GET /dev-login signs people in"
        " with it (the local stack only, never in production)",
    )
    auth_public_key_file: Path | None = Field(
        default=None, validation_alias=_env("auth_public_key_file"), description="AUTH_PUBLIC_KEY_FILE, as the services"
    )
    auth_jwks_url: str | None = Field(
        default=None, validation_alias=_env("auth_jwks_url"), description="AUTH_JWKS_URL, as the services"
    )
    auth_issuer: str = Field(default="jingzhang-local", validation_alias=_env("auth_issuer"))
    auth_audience: str = Field(default="jingzhang", validation_alias=_env("auth_audience"))
    auth_role_claim: str = Field(default="role", validation_alias=_env("auth_role_claim"))
    oidc_discovery_url: str | None = Field(
        default=None,
        validation_alias=_env("oidc_discovery_url"),
        description="OIDC_DISCOVERY_URL: the bureau provider's .well-known/openid-configuration",
    )
    oidc_client_id: str | None = Field(default=None, validation_alias=_env("oidc_client_id"))
    oidc_client_secret: SecretStr | None = Field(default=None, validation_alias=_env("oidc_client_secret"))
    oidc_scope: str = Field(default="openid profile", validation_alias=_env("oidc_scope"))
    request_timeout: float = Field(default=30.0, gt=0, description="CONSOLE_REQUEST_TIMEOUT: seconds per API call")

    def service_urls(self) -> dict[str, str]:
        return {
            "assignment": self.assignment_url,
            "appeals": self.appeals_url,
            "patrols": self.patrols_url,
            "evaluation": self.evaluation_url,
        }

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")
