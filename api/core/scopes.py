"""OAuth2 scopes: which exist, who may have them, and what a token request is granted."""

from api.errors import InvalidScope

PROFILE = "profile"
ADMIN = "admin"
OPENID = "openid"
EMAIL = "email"
OFFLINE_ACCESS = "offline_access"
ROLES = "roles"
DESCRIPTIONS = {
    PROFILE: "Read and change your own account",
    ADMIN: "Manage every account (administrators only)",
    ROLES: "Your roles, for the apps that authorize on them",
}
# every user may ask for these, but a request without `scope` is not given them: it gets what it got before
# they existed, so older clients' tokens do not change
ON_REQUEST = frozenset({ROLES})
# OpenID Connect's scopes: apps registered for the authorization code flow may ask for them
OPENID_CONNECT = {
    OPENID: "Sign in with this service (OpenID Connect)",
    EMAIL: "Your e-mail address (OpenID Connect)",
    OFFLINE_ACCESS: "Stay signed in: a refresh token (OpenID Connect)",
}


def allowed(*, is_admin: bool) -> frozenset[str]:
    """The scopes a user may hold."""
    return frozenset({PROFILE, ADMIN}) if is_admin else frozenset({PROFILE})


def defined(api_scopes: str) -> dict[str, str]:
    """Every scope with its description: the built-in ones and API_SCOPES (which clients may hold)."""
    return {
        **DESCRIPTIONS,
        **OPENID_CONNECT,
        **dict.fromkeys(api_scopes.split(), "A scope of the team's other APIs (API_SCOPES)"),
    }


def grant(requested: str | None, *, is_admin: bool) -> frozenset[str]:
    """The scopes to grant for a space-separated request; all the user may have when none is asked for."""
    return within(requested, allowed(is_admin=is_admin))


def within(
    requested: str | None, permitted: frozenset[str], *, on_request: frozenset[str] = frozenset()
) -> frozenset[str]:
    """The scopes asked for, all of `permitted` when none are; InvalidScope for any beyond it and the
    `on_request` scopes (granted only when asked for)."""
    wanted = frozenset((requested or "").split())
    if not wanted:
        return permitted
    if beyond := wanted - permitted - on_request:
        raise InvalidScope(render(beyond))
    return wanted


def render(granted: frozenset[str]) -> str:
    """Scopes as OAuth2 writes them: space-separated (sorted, so the text is stable)."""
    return " ".join(sorted(granted))
