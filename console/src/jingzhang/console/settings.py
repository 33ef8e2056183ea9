"""The console's settings, read once at its composition root. Defaults work with `jz up`."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from jingzhang.app.services import PORTS


def _local(service: str) -> str:
    return f"http://127.0.0.1:{PORTS[service]}"


class ConsoleSettings(BaseSettings):
    """Environment: CONSOLE_* for the console's own, the services' URLs, NATS_URL, AUTH_* and OIDC_*."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8100, ge=0, le=65535)
    public_url: str | None = Field(
        default=None, description="CONSOLE_PUBLIC_URL: where people reach the console (QR codes, OIDC redirect)"
    )
    assignment_url: str = Field(default_factory=lambda: _local("assignment"))
    appeals_url: str = Field(default_factory=lambda: _local("appeals"))
    patrols_url: str = Field(default_factory=lambda: _local("patrols"))
    evaluation_url: str = Field(default_factory=lambda: _local("evaluation"))
    nats_url: str | None = Field(default="nats://127.0.0.1:4222", description="NATS_URL: live events (SSE)")
    session_secret: SecretStr | None = Field(
        default=None, description="CONSOLE_SESSION_SECRET: signs the session cookie; required in production"
    )
    cookie_secure: bool = Field(default=False, description="CONSOLE_COOKIE_SECURE: session cookie over HTTPS only")
    dev_signing_key_file: Path | None = Field(
        default=None,
        description="CONSOLE_DEV_SIGNING_KEY_FILE: the local signing key; when set, GET /dev-login signs people in"
        " with it (the local stack only, never in production)",
    )
    auth_public_key_file: Path | None = Field(default=None, description="AUTH_PUBLIC_KEY_FILE, as the services")
    auth_jwks_url: str | None = Field(default=None, description="AUTH_JWKS_URL, as the services")
    auth_issuer: str = "jingzhang-local"
    auth_audience: str = "jingzhang"
    auth_role_claim: str = "role"
    oidc_discovery_url: str | None = Field(
        default=None, description="OIDC_DISCOVERY_URL: the bureau provider's .well-known/openid-configuration"
    )
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scope: str = "openid profile"
    request_timeout: float = Field(default=10.0, gt=0)

    def service_urls(self) -> dict[str, str]:
        return {
            "assignment": self.assignment_url,
            "appeals": self.appeals_url,
            "patrols": self.patrols_url,
            "evaluation": self.evaluation_url,
        }

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")
