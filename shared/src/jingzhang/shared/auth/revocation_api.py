"""`POST /tokens/revocations` (the bureau revokes a token, on the service that records revocations) and
`GET /tokens/revocations` (the tokens this service refuses, bureau and auditors). `build_app` mounts it.

A revocation names the token by its `jti` and says when the token expires (`expires_at`), or sends the
token itself, which is then verified (signature, issuer, audience, lifetime) and read for both: the
services keep no list of the tokens issued, so only a token can show it is one of this scheme's.
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from jingzhang.shared.auth.http import CommandMeta, require_roles
from jingzhang.shared.auth.principal import Role
from jingzhang.shared.auth.revocations import LEEWAY, Denylist, revoke
from jingzhang.shared.auth.tokens import InvalidToken, TokenVerifier
from jingzhang.shared.clock import Clock
from jingzhang.shared.errors import InvalidCommand

JTI_PATTERN = r"^[\x21-\x7e]{1,256}$"
"""A token id: printable ASCII without spaces (uuids, OIDC providers' ids)."""
MAX_AHEAD = timedelta(days=31)
"""No access token lives that long (the local issuer's longest is 7 days): a later expiry is a mistake."""


class RevokeToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jti: Annotated[str | None, Field(pattern=JTI_PATTERN, description="The token's `jti` claim")] = None
    expires_at: Annotated[
        AwareDatetime | None, Field(description="When the token expires (its `exp`); required with `jti`")
    ] = None
    token: Annotated[
        str | None, Field(max_length=16_384, description="Or the token itself: verified, its jti and exp read")
    ] = None


class RevokedTokenView(BaseModel):
    jti: str
    expires_at: datetime
    revoked_at: datetime
    revoked_by: str
    already: bool = False


async def resolved(body: RevokeToken, verifier: TokenVerifier, now: datetime) -> tuple[str, datetime]:
    """The jti and expiry a revocation names, or `InvalidCommand` naming the field at fault."""
    if body.token is not None:
        if body.jti is not None or body.expires_at is not None:
            raise InvalidCommand("send either the token, or its jti and expires_at, not both", field="token")
        return await _from_token(body.token, verifier)
    if body.jti is None:
        raise InvalidCommand("jti: required (or send the token itself as `token`)", field="jti")
    if body.expires_at is None:
        raise InvalidCommand("expires_at: required with jti (the token's exp)", field="expires_at")
    if body.expires_at <= now - LEEWAY:
        raise InvalidCommand("expires_at: the token has expired already: nothing to revoke", field="expires_at")
    if body.expires_at > now + MAX_AHEAD:
        raise InvalidCommand(
            f"expires_at: more than {MAX_AHEAD.days} days ahead: no access token lives that long", field="expires_at"
        )
    return body.jti, body.expires_at


async def _from_token(token: str, verifier: TokenVerifier) -> tuple[str, datetime]:
    try:
        claims = await verifier.claims(token)
    except InvalidToken as exc:
        raise InvalidCommand(f"token: {exc.reason}: not a live token of this scheme", field="token") from None
    jti = claims.get("jti")
    if not isinstance(jti, str) or not re.fullmatch(JTI_PATTERN, jti):
        raise InvalidCommand("token: it has no usable jti claim, so it cannot be revoked", field="token")
    return jti, datetime.fromtimestamp(int(claims["exp"]), UTC)


def revocations_router(denylist: Denylist, clock: Clock, wall: Clock, *, records: bool) -> APIRouter:
    """`records`: this service records revocations (`revocations.RECORDED_BY`); every service lists its own."""
    router = APIRouter(prefix="/tokens", tags=["tokens"])
    readers = [Depends(require_roles(Role.BUREAU, Role.AUDITOR, what="reading token revocations"))]

    if records:

        @router.post(
            "/revocations",
            summary="Revoke an access token: every service refuses it within seconds, until it expires",
            dependencies=[Depends(require_roles(Role.BUREAU, what="revoking a token"))],
        )
        async def revoke_token(body: RevokeToken, request: Request, meta: CommandMeta) -> RevokedTokenView:
            jti, expires_at = await resolved(body, request.app.state.verifier, wall.now())
            done = await revoke(request.app.state.runtime.store, denylist, jti, expires_at, clock.now(), meta)
            return RevokedTokenView(**{f: getattr(done, f) for f in RevokedTokenView.model_fields})

    @router.get("/revocations", summary="The revoked tokens this service refuses, by jti", dependencies=readers)
    async def revocations(
        request: Request,
        after: Annotated[str, Query(max_length=256, description="The last jti of the previous page")] = "",
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[RevokedTokenView]:
        rows = await request.app.state.runtime.pool.fetch(
            """SELECT jti, expires_at, revoked_at, revoked_by FROM proj_revocations.revoked
               WHERE expires_at > $1 AND jti > $2 ORDER BY jti LIMIT $3""",
            wall.now() - LEEWAY,
            after,
            limit,
        )
        return [RevokedTokenView(**dict(row)) for row in rows]

    return router
