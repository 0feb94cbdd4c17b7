"""Logout tokens (Back-Channel Logout 1.0 section 2.4): signed like the app's id_tokens, `typ: logout+jwt`,
naming the user and the session that ended, with the logout event and never a nonce."""

import secrets
from collections.abc import Awaitable, Callable

from api.core.jwk import Verifier
from api.core.jwt import sign_logout_token
from api.db.models import OAuthClient

EVENT = "http://schemas.openid.net/event/backchannel-logout"
# the spec's advice: short-lived, so a token caught on the way is soon worthless
LIFETIME_SECONDS = 120

# the key that signs the client's id_tokens
SignerFor = Callable[[OAuthClient], Awaitable[Verifier]]


def claims(*, issuer: str, client_id: str, subject: str, sid: str, issued_at: int) -> dict[str, object]:
    """The claims of a logout token for the app `client_id`."""
    return {
        "iss": issuer,
        "aud": client_id,
        "iat": issued_at,
        "exp": issued_at + LIFETIME_SECONDS,
        "jti": secrets.token_urlsafe(16),
        "sub": subject,
        "sid": sid,
        "events": {EVENT: {}},
    }


async def logout_token(
    client: OAuthClient, *, signer_for: SignerFor, issuer: str, subject: str, sid: str, issued_at: int
) -> str:
    """A logout token for `client`, signed now with its id_tokens' key and algorithm."""
    body = claims(issuer=issuer, client_id=client.client_id, subject=subject, sid=sid, issued_at=issued_at)
    return sign_logout_token(body, await signer_for(client))
