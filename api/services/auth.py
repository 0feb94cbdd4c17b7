"""Token grants: what a successful login is given."""

from dataclasses import dataclass

from .. import scopes
from ..models import User
from ..state import AppState
from . import users


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """The result of a successful grant."""

    access_token: str
    expires_in: int
    scopes: frozenset[str]


async def password_grant(*, username: str, password: str, scope: str | None, state: AppState) -> IssuedTokens:
    """Log in with a username and password (RFC 6749 section 4.3)."""
    user = await users.authenticate(username=username, password=password, hasher=state.hasher)
    return issue_tokens(user, scopes.grant(scope, is_admin=user.is_admin), state=state)


def issue_tokens(user: User, granted: frozenset[str], *, state: AppState) -> IssuedTokens:
    """A fresh access token for this user and these scopes."""
    lifetime = state.settings.access_token_expire_minutes * 60
    token = state.codec.issue_access_token(user_id=user.id, scopes=granted, lifetime_seconds=lifetime)
    return IssuedTokens(access_token=token, expires_in=lifetime, scopes=granted)
