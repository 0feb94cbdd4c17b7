"""One sign-in at another provider: started with state, nonce and PKCE kept in a sealed cookie of this
browser, finished by checking the state against it, trading the code, and checking the id_token."""

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from jose import JWTError, jwt

from api.core.sealing import Sealer, Unreadable
from api.db.models import IdentityProvider
from api.errors import SocialSignInFailed
from api.social import discovery
from api.social.claims import Claims, of_sign_in
from api.social.outbound import ProviderUnavailable, post_form

LIFETIME = timedelta(minutes=10)
_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "PS256")


@dataclass(frozen=True, slots=True)
class Flow:
    """What the browser's cookie keeps of a sign-in in progress."""

    provider: str
    state: str
    nonce: str
    verifier: str
    next: str
    link_user_id: int | None
    expires_at: float


def start(
    provider: IdentityProvider,
    metadata: discovery.Metadata,
    *,
    redirect_uri: str,
    next_path: str,
    link_user_id: int | None,
    sealer: Sealer,
    moment: datetime,
) -> tuple[str, str]:
    """The provider's authorization URL, and the sealed cookie that binds the sign-in to this browser."""
    flow = Flow(
        provider=provider.name,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(48),
        next=next_path,
        link_user_id=link_user_id,
        expires_at=(moment + LIFETIME).timestamp(),
    )
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(flow.verifier.encode()).digest()).rstrip(b"=").decode()
    )
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": provider.scopes,
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    separator = "&" if "?" in metadata.authorization_endpoint else "?"
    cookie = sealer.seal(json.dumps(asdict(flow)).encode(), context=provider.name)
    return f"{metadata.authorization_endpoint}{separator}{urlencode(query)}", cookie


def resume(
    provider: IdentityProvider, cookie: str | None, *, state: str | None, sealer: Sealer, moment: datetime
) -> Flow:
    """The sign-in this browser started with this provider, if `state` is its own; SocialSignInFailed else."""
    if not cookie or not state:
        raise SocialSignInFailed("This sign-in was not started in this browser, or it has expired: try again")
    try:
        flow = Flow(**json.loads(sealer.open(cookie, context=provider.name)))
    except (Unreadable, ValueError, TypeError):
        raise SocialSignInFailed("This sign-in was not started in this browser: try again") from None
    if not hmac.compare_digest(flow.state, state) or flow.expires_at <= moment.timestamp():
        raise SocialSignInFailed("This sign-in was not started in this browser, or it has expired: try again")
    return flow


async def finish(
    provider: IdentityProvider,
    flow: Flow,
    *,
    code: str,
    redirect_uri: str,
    client_secret: str | None,
    allow_http: bool,
) -> Claims:
    """Trade the code (with the PKCE verifier) and check the id_token: signature from the provider's keys,
    `iss`, `aud`, `exp` (against the real time, a minute's leeway), `nonce` (and `at_hash` when present);
    then read userinfo (see `claims.of_sign_in`)."""
    try:
        metadata = await discovery.metadata_of(provider.issuer, allow_http=allow_http)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": flow.verifier,
        }
        if client_secret is None:
            form["client_id"] = provider.client_id
        status, answer = await post_form(
            metadata.token_endpoint,
            form,
            auth=(provider.client_id, client_secret) if client_secret is not None else None,
            allow_http=allow_http,
        )
        if status != 200 or not isinstance(answer.get("id_token"), str):
            raise SocialSignInFailed(
                f"{provider.display_name} did not give an id_token ({answer.get('error', status)})"
            )
        id_token = answer["id_token"]
        header = jwt.get_unverified_header(id_token)
        key = await discovery.key_of(metadata.jwks_uri, header.get("kid"), allow_http=allow_http)
        checked = _checked(id_token, key, provider=provider, access_token=answer.get("access_token"))
        if not hmac.compare_digest(str(checked.get("nonce", "")), flow.nonce):
            raise SocialSignInFailed(f"{provider.display_name} sent an id_token for another sign-in")
        return await of_sign_in(
            provider,
            metadata,
            id_token_claims=checked,
            access_token=answer.get("access_token"),
            allow_http=allow_http,
        )
    except ProviderUnavailable:
        raise SocialSignInFailed(
            f"{provider.display_name} cannot be reached right now: try again later"
        ) from None
    except JWTError:
        raise SocialSignInFailed(
            f"{provider.display_name} sent an id_token that does not check out"
        ) from None


def _checked(
    id_token: str, key: dict[str, Any], *, provider: IdentityProvider, access_token: object
) -> dict[str, Any]:
    algorithm = str(key.get("alg") or jwt.get_unverified_header(id_token).get("alg"))
    if algorithm not in _ALGORITHMS:
        raise SocialSignInFailed(
            f"{provider.display_name} signs id_tokens with an algorithm not accepted here"
        )
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key,
            algorithms=[algorithm],
            audience=provider.client_id,
            issuer=provider.issuer,
            access_token=access_token if isinstance(access_token, str) else None,
            options={"verify_at_hash": isinstance(access_token, str), "leeway": 60},
        )
    except (JWTError, ValueError, TypeError, KeyError):
        raise SocialSignInFailed(
            f"{provider.display_name} sent an id_token that does not check out"
        ) from None
    if not isinstance(claims.get("sub"), str) or not claims["sub"] or len(claims["sub"]) > 255:
        raise SocialSignInFailed(f"{provider.display_name} sent an id_token without a subject")
    return claims
