"""The token endpoint's grants, one module each, and the table it dispatches on (node-oidc-provider's
lib/actions/grants/ is the model): a new grant type is one more module and one more line here.

Each module declares its GRANT: its `grant_type`, its client rules (may a client be absent, must it prove a
secret, which registered grant type it needs) and its handler, which takes a plain GrantInput.
"""

from api.db.models import OAuthClient
from api.errors import InvalidClient
from api.grants import (
    authorization_code,
    client_credentials,
    device_code,
    mfa_otp,
    passkey,
    password,
    refresh_token,
)
from api.grants.base import ClientRule, Grant, GrantInput, TokenFields
from api.grants.issuing import IssuedTokens
from api.services import clients
from api.services.clients import ClientCredentials

GRANTS: dict[str, Grant] = {
    grant.grant_type: grant
    for grant in (
        password.GRANT,
        mfa_otp.GRANT,
        passkey.GRANT,
        refresh_token.GRANT,
        authorization_code.GRANT,
        client_credentials.GRANT,
        device_code.GRANT,
    )
}
# the grant of a form without grant_type
DEFAULT = password.GRANT.grant_type


async def client_for(grant: Grant, presented: ClientCredentials | None) -> OAuthClient | None:
    """The client a token request names, held to the grant's rules: proven when it must be, present when it
    must be, and registered for the grant; InvalidClient or UnauthorizedClient otherwise."""
    if grant.client_rule is ClientRule.CONFIDENTIAL:
        client: OAuthClient | None = await clients.authenticate(presented)
    else:
        client = await clients.identify(presented)
        if client is None and grant.client_rule is ClientRule.NAMED:
            raise InvalidClient
    if client is not None:
        clients.require_grant_type(client, grant.client_grant_type)
    return client


__all__ = ["DEFAULT", "GRANTS", "Grant", "GrantInput", "IssuedTokens", "TokenFields", "client_for"]
