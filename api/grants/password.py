"""`grant_type=password` (RFC 6749 section 4.3), the default: a username and password, and with two-factor on
the second factor too (`otp`) or an mfa_token for the second step. Also the throttle's rules every login
shares."""

from dataclasses import replace
from datetime import timedelta

from tortoise.timezone import now

from api.db import login_sql
from api.db.models import User
from api.errors import EmailNotVerified, InvalidCredentials, InvalidOneTimeCode, MfaRequired, MissingFields
from api.grants.base import ClientRule, Grant, GrantInput
from api.grants.issuing import IssuedTokens, open_session, requested
from api.services import challenges, mfa, throttle, users
from api.services.sessions import RequestSource
from api.services.state import AppState


async def handle(given: GrantInput) -> IssuedTokens:
    """The password grant of a token request."""
    fields = given.fields
    if not fields.username or fields.password is None:
        raise MissingFields("username", "password")
    return await password_grant(
        username=fields.username,
        password=fields.password,
        scope=fields.scope,
        otp=fields.otp or None,
        source=given.source,
        state=given.state,
    )


async def password_grant(
    *,
    username: str,
    password: str,
    scope: str | None,
    otp: str | None,
    source: RequestSource,
    state: AppState,
) -> IssuedTokens:
    """Log in with a username and password: a new session, unless throttled.

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
        await throttle.record_failure(ip=address, username=username, limits=failure_limits(state))
        raise
    if state.settings.require_verified_email and not user.email_verified:
        raise EmailNotVerified
    granted = requested(scope, user, state)
    second_factor = None
    if user.mfa_enabled:
        if otp is None:
            # the throttle is cleared only once the second factor is right too
            token = await challenges.open_challenge(user, scope=scope, moment=state.clock())
            raise MfaRequired(token, user_id=user.id)
        second_factor = await check_second_factor(user, otp, username=username, address=address, state=state)
    if counted:
        await throttle.record_success(ip=address, username=username)
    issued = await open_session(user, source=source, state=state, granted=granted)
    return replace(issued, second_factor=second_factor)


async def check_second_factor(user: User, otp: str, *, username: str, address: str, state: AppState) -> str:
    """Which second factor `otp` is ("totp" or "recovery_code"); a wrong one counts like a wrong password."""
    try:
        return await mfa.check_code(user, otp, state=state)
    except InvalidOneTimeCode:
        await throttle.record_failure(ip=address, username=username, limits=failure_limits(state))
        raise


def failure_limits(state: AppState) -> throttle.FailureLimits:
    """How many failed logins the throttle lets through, and how long it holds them."""
    settings = state.settings
    return throttle.FailureLimits(
        max_failures=settings.login_max_failures,
        max_failures_per_address=settings.login_max_failures_per_address,
        window=timedelta(seconds=settings.login_failure_window_seconds),
        max_delay=timedelta(seconds=settings.login_max_delay_seconds),
    )


GRANT = Grant(
    grant_type="password",
    client_rule=ClientRule.ANY,
    client_grant_type="password",
    event="login",
    handle=handle,
)
