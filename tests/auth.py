"""Access tokens for the tests: one local signing key per test session, trusted by every service.

`tests/conftest.py` points AUTH_PUBLIC_KEY_FILE at its public half before any settings are read, so
every app the tests build verifies tokens signed here. Tokens are issued on the wall clock, like the
services verify them, whatever clock the domain runs on.
"""

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jingzhang.shared.auth import LocalSigningKey, Principal, Role

SIGNING_KEY = LocalSigningKey.generate()
KEY_DIR = Path(tempfile.mkdtemp(prefix="jz-auth-"))
KEY_FILE = KEY_DIR / "signing-key.pem"
SIGNING_KEY.save(KEY_FILE)
PUBLIC_KEY_FILE = KEY_FILE.with_suffix(".pub")


def token(
    role: Role = Role.BUREAU,
    subject: str | None = None,
    *,
    enterprise_id: str | None = None,
    officer_id: str | None = None,
    station: str | None = None,
    ttl: timedelta = timedelta(hours=1),
    now: datetime | None = None,
) -> str:
    principal = Principal(
        subject=subject or f"{role.value}-tester",
        role=role,
        enterprise_id=enterprise_id,
        officer_id=officer_id,
        station=station,
    )
    return SIGNING_KEY.issue(principal, now or datetime.now(UTC), ttl)


def bearer(role: Role = Role.BUREAU, subject: str | None = None, **scope: str) -> dict[str, str]:
    """Headers authenticating as `role`, e.g. `bearer(Role.OFFICER, officer_id="off-1")`."""
    return {"Authorization": f"Bearer {token(role, subject, **scope)}"}


BUREAU = bearer(Role.BUREAU, "bureau-tester")
