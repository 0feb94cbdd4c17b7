"""Authorization codes: issued after sign-in and consent, redeemed once at the token endpoint with the
PKCE verifier; a code that comes back a second time revokes what it gave."""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from api.core import scopes
from api.core.opaque import new_opaque_token, opaque_digest
from api.db.models import AuthorizationCode, OAuthClient, Session, User
from api.db.transactions import writing
from api.errors import CodeReused, InvalidAuthorizationCode
from api.oidc import app_sessions
from api.oidc.requests import AuthorizationRequest
from api.services import sessions
from api.services.sessions import RequestSource

LIFETIME = timedelta(seconds=60)
# RFC 7636 section 4.1
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


@dataclass(frozen=True, slots=True)
class SignIn:
    """Who signed in at the browser, when, and in which browser session (the id_token's `sid`)."""

    user_id: int
    session_id: str
    auth_time: datetime


@dataclass(frozen=True, slots=True)
class Redeemed:
    """A redeemed code: the app session it opened, its user, and what the id_token needs."""

    session: Session
    user: User
    refresh_token: str | None
    scopes: frozenset[str]
    nonce: str | None
    auth_time: datetime
    login_session_id: str


async def issue(
    request: AuthorizationRequest, *, sign_in: SignIn, granted: frozenset[str], moment: datetime
) -> str:
    """A new code for this request and sign-in; only its digest is kept."""
    code = new_opaque_token()
    await AuthorizationCode.create(
        code_hash=code.digest,
        client=request.client,
        user_id=sign_in.user_id,
        redirect_uri=request.redirect_uri,
        scope=scopes.render(granted),
        nonce=request.nonce,
        code_challenge=request.code_challenge,
        login_session_id=sign_in.session_id,
        auth_time=sign_in.auth_time,
        created_at=moment,
        expires_at=moment + LIFETIME,
    )
    return code.value


async def redeem(
    code: str,
    *,
    client: OAuthClient,
    redirect_uri: str,
    code_verifier: str | None,
    source: RequestSource,
    refresh_lifetime: timedelta,
    moment: datetime,
) -> Redeemed:
    """Trade a code for an app session (and a refresh token with `offline_access`, for a client registered for
    refresh_token); InvalidAuthorizationCode for any mismatch, CodeReused for a code redeemed before or at the
    same time (the session it opened revoked)."""
    found = await AuthorizationCode.get_or_none(code_hash=opaque_digest(code)).select_related("user")
    if found is None or found.client_id != client.client_id:  # type: ignore[attr-defined]
        raise InvalidAuthorizationCode
    if found.used_at is not None:
        await _revoke_issued(found, moment=moment)
        raise CodeReused(user_id=found.user.id, client_id=client.client_id)
    if found.expires_at <= moment:
        raise InvalidAuthorizationCode("The authorization code has expired")
    if redirect_uri != found.redirect_uri:
        raise InvalidAuthorizationCode("redirect_uri is not the one of the authorization request")
    _check_verifier(found.code_challenge, code_verifier)
    approval = app_sessions.Approval(
        user=found.user,
        granted=frozenset(found.scope.split()),
        auth_time=found.auth_time,
        login_session_id=found.login_session_id,
    )
    if not await app_sessions.approver_signed_in(approval):
        raise InvalidAuthorizationCode("The sign-in that made this code has ended")
    async with writing():
        claimed = await AuthorizationCode.filter(code_hash=found.code_hash, used_at=None).update(
            used_at=moment
        )
        if claimed:
            session, refresh_token = await app_sessions.open_for(
                approval, client=client, source=source, refresh_lifetime=refresh_lifetime, moment=moment
            )
            await AuthorizationCode.filter(code_hash=found.code_hash).update(session_id=str(session.id))
    if not claimed:
        # another exchange of the same code won the race, and has committed (its claim held the row until
        # then): a code presented twice revokes what it gave, whichever came first
        await _revoke_issued(await AuthorizationCode.get(code_hash=found.code_hash), moment=moment)
        raise CodeReused(user_id=found.user.id, client_id=client.client_id)
    return Redeemed(
        session=session,
        user=found.user,
        refresh_token=refresh_token,
        scopes=approval.granted,
        nonce=found.nonce,
        auth_time=found.auth_time,
        login_session_id=found.login_session_id,
    )


def _check_verifier(challenge: str | None, verifier: str | None) -> None:
    if challenge is None:
        if verifier is not None:
            # RFC 9700 section 2.1.1: a verifier for a request sent without a challenge is a downgrade
            raise InvalidAuthorizationCode("code_verifier given, but the request had no code_challenge")
        return
    if verifier is None or not _VERIFIER.fullmatch(verifier):
        raise InvalidAuthorizationCode("code_verifier is missing or malformed")
    digest = hashlib.sha256(verifier.encode()).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    if not hmac.compare_digest(computed, challenge):
        raise InvalidAuthorizationCode("code_verifier does not match the code_challenge")


async def _revoke_issued(found: AuthorizationCode, *, moment: datetime) -> None:
    if found.session_id is not None:
        await sessions.end(session_id=found.session_id, moment=moment)
