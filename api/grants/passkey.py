"""`grant_type=passkey`: sign in with a discoverable passkey, the challenge of /passkeys/login/options and
the authenticator's answer; with user verification it is both factors, no second step."""

from dataclasses import replace

from api.errors import EmailNotVerified, InvalidPasskey, MissingFields
from api.grants.base import ClientRule, Grant, GrantInput
from api.grants.issuing import IssuedTokens, open_session, requested
from api.grants.password import failure_limits
from api.passkeys import ceremonies, sign_in
from api.services import throttle


async def handle(given: GrantInput) -> IssuedTokens:
    """The passkey sign-in of a token request."""
    fields, source, state = given.fields, given.source, given.state
    if not fields.challenge_id or not fields.credential:
        raise MissingFields("challenge_id", "credential")
    address = source.ip or "unknown"
    # nobody is named before the passkey is checked: the address's counter throttles
    await throttle.check(ip=address, username="")
    rp = ceremonies.relying_party(state.settings)
    try:
        user = await sign_in.verify(
            sign_in.parse(fields.credential),
            challenge_id=fields.challenge_id,
            rp=rp,
            moment=state.clock(),
        )
    except InvalidPasskey:
        await throttle.record_failure(ip=address, username="", limits=failure_limits(state))
        raise
    if state.settings.require_verified_email and not user.email_verified:
        raise EmailNotVerified
    granted = requested(fields.scope, user, state)
    issued = await open_session(user, source=source, state=state, granted=granted)
    return replace(issued, second_factor="passkey")


GRANT = Grant(
    grant_type="passkey",
    client_rule=ClientRule.ANY,
    client_grant_type="password",
    event="login",
    handle=handle,
)
