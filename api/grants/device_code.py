"""`grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 section 3.4): a device polling for
the tokens a person approved on /device; answered like an authorization code once approved."""

from api.errors import InvalidClient, InvalidDeviceCode
from api.grants.authorization_code import tokens_of
from api.grants.base import ClientRule, Grant, GrantInput
from api.grants.issuing import IssuedTokens, refresh_lifetime
from api.oidc import devices


async def handle(given: GrantInput) -> IssuedTokens:
    """authorization_pending until the person decides, then the tokens, once."""
    client, state = given.client, given.state
    if client is None:  # the client rule has named it already
        raise InvalidClient
    if not given.fields.device_code:
        raise InvalidDeviceCode("The device_code field is required")
    redeemed = await devices.redeem(
        given.fields.device_code,
        client=client,
        source=given.source,
        refresh_lifetime=refresh_lifetime(state),
        moment=state.clock(),
    )
    return await tokens_of(redeemed, client=client, state=state)


GRANT = Grant(
    grant_type=devices.GRANT_TYPE,
    client_rule=ClientRule.NAMED,
    client_grant_type=devices.GRANT_TYPE,
    event="device_code_exchange",
    handle=handle,
)
