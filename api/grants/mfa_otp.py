"""`grant_type=mfa_otp`: a login's second step, the mfa_token of its mfa_required answer and a TOTP or
recovery code."""

from dataclasses import replace

from api.db.models import User
from api.errors import InactiveUser, InvalidOneTimeCode, MissingFields
from api.grants.base import ClientRule, Grant, GrantInput
from api.grants.issuing import IssuedTokens, open_session, requested
from api.grants.password import check_second_factor
from api.services import challenges, throttle
from api.services.sessions import RequestSource
from api.services.state import AppState


async def handle(given: GrantInput) -> IssuedTokens:
    """The second step of a token request's login."""
    fields = given.fields
    if not fields.mfa_token or not fields.otp:
        raise MissingFields("mfa_token", "otp")
    return await mfa_grant(mfa_token=fields.mfa_token, otp=fields.otp, source=given.source, state=given.state)


async def mfa_grant(*, mfa_token: str, otp: str, source: RequestSource, state: AppState) -> IssuedTokens:
    """The login the mfa_token stands for, completed by a right second factor."""
    challenge = await challenges.find(mfa_token, moment=state.clock())
    user: User = challenge.user
    address = source.ip or "unknown"
    counted = await throttle.check(ip=address, username=user.username)
    try:
        second_factor = await check_second_factor(
            user, otp, username=user.username, address=address, state=state
        )
    except InvalidOneTimeCode:
        await challenges.count_wrong_code(challenge)
        raise
    await challenges.spend(challenge, moment=state.clock())
    if counted:
        await throttle.record_success(ip=address, username=user.username)
    if user.disabled:
        raise InactiveUser
    granted = requested(challenge.scope, user, state)
    issued = await open_session(user, source=source, state=state, granted=granted)
    return replace(issued, second_factor=second_factor)


GRANT = Grant(
    grant_type="mfa_otp",
    client_rule=ClientRule.ANY,
    client_grant_type="password",
    event="login",
    handle=handle,
)
