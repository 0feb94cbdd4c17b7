"""Token grants: what a successful login or refresh is given."""

from dataclasses import dataclass, replace
from datetime import timedelta

from tortoise.timezone import now

from api.core import scopes
from api.db import login_sql
from api.db.models import OAuthClient, Session, User
from api.errors import (
    EmailNotVerified,
    InactiveUser,
    InvalidCredentials,
    InvalidOneTimeCode,
    InvalidPasskey,
    InvalidScope,
    MfaRequired,
)
from api.passkeys import ceremonies, sign_in
from api.services import challenges, clients, mfa, role_claims, sessions, throttle, users
from api.services.sessions import RequestSource
from api.services.state import AppState


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """The result of a successful grant: for a user, or (client_credentials) for a client, with no refresh."""

    user_id: int | None
    session_id: str
    access_token: str
    refresh_token: str | None
    expires_in: int
    scopes: frozenset[str]
    client_id: str | None = None
    # the second factor that completed the login, if one was asked for: "totp" or "recovery_code"; "passkey"
    # for a passkey, both factors at once
    second_factor: str | None = None
    # an app's session (authorization code flow), whose refresh may carry a new id_token
    app_session: Session | None = None
    id_token: str | None = None
    # the roles its tokens carry (the `roles` scope), as they were when it was issued
    roles: list[str] | None = None


async def password_grant(
    *,
    username: str,
    password: str,
    scope: str | None,
    otp: str | None,
    source: RequestSource,
    state: AppState,
) -> IssuedTokens:
    """Log in with a username and password (RFC 6749 section 4.3): a new session, unless throttled.

    With two-factor on, the password alone gets MfaRequired and an mfa_token; `otp` saves the round trip.
    """
    address = source.ip or "unknown"
    found = await login_sql.look_up(
        pair=throttle.pair_key(ip=address, username=username),
        address=throttle.address_key(address),
        username=username,
    )
    counted = throttle.admit(found.counters, pair=found.pair, moment=now())
    try:
        user = await users.authenticate(found.user, password=password, hasher=state.hasher)
    except InvalidCredentials:
        await throttle.record_failure(ip=address, username=username, limits=_limits(state))
        raise
    if state.settings.require_verified_email and not user.email_verified:
        raise EmailNotVerified
    granted = _requested(scope, user, state)
    second_factor = None
    if user.mfa_enabled:
        if otp is None:
            # the throttle is cleared only once the second factor is right too
            token = await challenges.open_challenge(user, scope=scope, moment=state.clock())
            raise MfaRequired(token, user_id=user.id)
        second_factor = await _second_factor(user, otp, username=username, address=address, state=state)
    if counted:
        await throttle.record_success(ip=address, username=username)
    issued = await open_session(user, source=source, state=state, granted=granted)
    return replace(issued, second_factor=second_factor)


async def mfa_grant(*, mfa_token: str, otp: str, source: RequestSource, state: AppState) -> IssuedTokens:
    """The login's second step (`grant_type=mfa_otp`): the mfa_token and a TOTP or recovery code."""
    challenge = await challenges.find(mfa_token, moment=state.clock())
    user: User = challenge.user
    address = source.ip or "unknown"
    counted = await throttle.check(ip=address, username=user.username)
    try:
        second_factor = await _second_factor(user, otp, username=user.username, address=address, state=state)
    except InvalidOneTimeCode:
        await challenges.count_wrong_code(challenge)
        raise
    await challenges.spend(challenge, moment=state.clock())
    if counted:
        await throttle.record_success(ip=address, username=user.username)
    if user.disabled:
        raise InactiveUser
    granted = _requested(challenge.scope, user, state)
    issued = await open_session(user, source=source, state=state, granted=granted)
    return replace(issued, second_factor=second_factor)


async def passkey_grant(
    *, challenge_id: str, credential: str, scope: str | None, source: RequestSource, state: AppState
) -> IssuedTokens:
    """Sign in with a passkey (discoverable): with user verification it is both factors, no second step."""
    address = source.ip or "unknown"
    # nobody is named before the passkey is checked: the address's counter throttles
    await throttle.check(ip=address, username="")
    rp = ceremonies.relying_party(state.settings)
    try:
        user = await sign_in.verify(
            sign_in.parse(credential), challenge_id=challenge_id, rp=rp, moment=state.clock()
        )
    except InvalidPasskey:
        await throttle.record_failure(ip=address, username="", limits=_limits(state))
        raise
    if state.settings.require_verified_email and not user.email_verified:
        raise EmailNotVerified
    granted = _requested(scope, user, state)
    issued = await open_session(user, source=source, state=state, granted=granted)
    return replace(issued, second_factor="passkey")


async def _second_factor(user: User, otp: str, *, username: str, address: str, state: AppState) -> str:
    try:
        return await mfa.check_code(user, otp, state=state)
    except InvalidOneTimeCode:
        # a wrong code counts like a wrong password
        await throttle.record_failure(ip=address, username=username, limits=_limits(state))
        raise


async def open_session(
    user: User, *, source: RequestSource, state: AppState, granted: frozenset[str] | None = None
) -> IssuedTokens:
    """A new session for a user who just proved who they are (logged in, or registered from the page)."""
    if granted is None:
        granted = users.allowed_scopes(user, state.settings)
    # logins are frequent enough to carry the clean-up, so nothing needs scheduling
    await state.housekeeping.run_if_due(state.clock())
    session, refresh_token = await sessions.start(
        user, scope=scopes.render(granted), source=source, lifetime=_refresh_lifetime(state)
    )
    return await issue_for_session(user, session, granted, refresh_token=refresh_token, state=state)


async def refresh_grant(
    *, refresh_token: str, scope: str | None, state: AppState, client_id: str | None = None
) -> IssuedTokens:
    """Trade a refresh token for a new pair (RFC 6749 section 6), never gaining scopes; an app's refresh
    token works only for that app (`client_id`, the client presenting it)."""
    session, new_refresh_token = await sessions.rotate(
        refresh_token, lifetime=_refresh_lifetime(state), client_id=client_id
    )
    user: User = session.user
    # the session keeps what the login granted, less what the user may no longer have
    held = users.still_held(frozenset(session.scope.split()), user, state.settings)
    wanted = frozenset((scope or "").split()) or held
    if not wanted <= held:
        raise InvalidScope(scopes.render(wanted - held))
    return await issue_for_session(user, session, wanted, refresh_token=new_refresh_token, state=state)


async def client_credentials_grant(
    *, client: OAuthClient, scope: str | None, state: AppState
) -> IssuedTokens:
    """A token for a client itself (RFC 6749 section 4.4): within its scopes, and no refresh token."""
    clients.require_grant_type(client, clients.CLIENT_CREDENTIALS)
    granted = scopes.within(scope, frozenset(client.scopes.split()))
    lifetime = state.settings.access_token_expire_minutes * 60
    grant = await clients.start_grant(client, granted=granted, lifetime=timedelta(seconds=lifetime))
    access_token = state.codec.issue_access_token(
        client_id=client.client_id, session_id=str(grant.id), scopes=granted, lifetime_seconds=lifetime
    )
    return IssuedTokens(
        user_id=None,
        session_id=str(grant.id),
        access_token=access_token,
        refresh_token=None,
        expires_in=lifetime,
        scopes=granted,
        client_id=client.client_id,
    )


def _requested(scope: str | None, user: User, state: AppState) -> frozenset[str]:
    return scopes.within(scope, users.allowed_scopes(user, state.settings), on_request=scopes.ON_REQUEST)


def _limits(state: AppState) -> throttle.FailureLimits:
    settings = state.settings
    return throttle.FailureLimits(
        max_failures=settings.login_max_failures,
        max_failures_per_address=settings.login_max_failures_per_address,
        window=timedelta(seconds=settings.login_failure_window_seconds),
        max_delay=timedelta(seconds=settings.login_max_delay_seconds),
    )


def _refresh_lifetime(state: AppState) -> timedelta:
    return timedelta(days=state.settings.refresh_token_expire_days)


async def issue_for_session(
    user: User, session: Session, granted: frozenset[str], *, refresh_token: str | None, state: AppState
) -> IssuedTokens:
    """The access token of a session (and the refresh token just made for it); an app's session's token
    names the app (`client_id`). Every user's token is made here, so its roles are read here too."""
    lifetime = state.settings.access_token_expire_minutes * 60
    roles = await role_claims.carried(user_id=user.id, granted=granted, client_id=session.client_id)
    access_token = state.codec.issue_access_token(
        user_id=user.id,
        session_id=str(session.id),
        scopes=granted,
        lifetime_seconds=lifetime,
        issued_to=session.client_id,
        roles=roles,
    )
    return IssuedTokens(
        user_id=user.id,
        session_id=str(session.id),
        access_token=access_token,
        refresh_token=refresh_token,
        expires_in=lifetime,
        scopes=granted,
        client_id=session.client_id,
        app_session=session if session.client_id is not None else None,
        roles=roles,
    )
