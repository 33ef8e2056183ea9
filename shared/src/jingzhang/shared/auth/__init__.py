"""Authentication (bearer JWTs) and authorization (roles scoped to enterprises, officers, stations)."""

from jingzhang.shared.auth.policy import Action, EnterpriseLinks, Forbidden, ensure
from jingzhang.shared.auth.principal import Principal, Role
from jingzhang.shared.auth.tokens import InvalidToken, LocalSigningKey, TokenVerifier

__all__ = [
    "Action",
    "EnterpriseLinks",
    "Forbidden",
    "InvalidToken",
    "LocalSigningKey",
    "Principal",
    "Role",
    "TokenVerifier",
    "ensure",
]
