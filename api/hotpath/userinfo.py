"""The fast path for `GET /userinfo`: what an app calls for its user's claims, answered before routing.

It is the route's `_userinfo` in `api.routes.oidc`, with the same parts as the `GET /user/me` fast path:
`principals.claims_of` then `principal_of` (signature, session and user checked in the database),
`role_claims.of_caller` for the roles, `oidc.claims.user_claims` for the body, `error_response` for every
refusal. A success is kept in the answer cache beside `/user/me`'s, under the same per-user counters: a
logout, a revoked consent (it ends the app's sessions), a user changed or a role changed voids it at once.
The form-posted `POST /userinfo` is the route's. The answers are byte for byte the route's (tested).
"""

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from api.core import scopes
from api.errors import DomainError, InsufficientScope
from api.hotpath.answer_cache import AnswerCache
from api.http.credentials import bearer_token
from api.http.error_handlers import error_response
from api.oidc.claims import user_claims
from api.services import principals, role_claims
from api.services.state import AppState

PATH = "/userinfo"
# the headers, in the order, that the route's JSONResponse(claims, headers=no-store) gives
_CACHE_CONTROL = (b"cache-control", b"no-store")
_CONTENT_TYPE = (b"content-type", b"application/json")
_CACHE_KEY = "userinfo "


class UserinfoFastPath:
    """ASGI middleware answering `GET /userinfo` itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        authorization = dict(scope["headers"]).get(b"authorization")
        token = bearer_token(authorization.decode("latin-1") if authorization is not None else None)
        answers: AnswerCache = scope["app"].state.answers
        if token is not None and (answer := answers.get(_CACHE_KEY + token)) is not None:
            await _answer(send, answer.body)
            return
        state: AppState = scope["app"].state.auth
        try:
            claims = await principals.claims_of(token, state, apps=True)
            assert claims.user_id is not None  # a client's token was refused
            # before the query: a change to this user meanwhile voids what it reads
            generation = answers.generation(claims.user_id)
            principal = await principals.principal_of(claims, state, apps=True)
            if scopes.OPENID not in principal.scopes:
                raise InsufficientScope((scopes.OPENID,))
            roles = await role_claims.of_caller(principal)
        except DomainError as exc:
            await error_response(exc)(scope, receive, send)
            return
        body = _render(user_claims(principal.user, principal.scopes, roles=roles))
        assert token is not None
        answers.put(
            _CACHE_KEY + token,
            body=body,
            scopes=principal.scopes,
            token_expires_at=principal.expires_at,
            user_id=claims.user_id,
            generation=generation,
        )
        await _answer(send, body)


def _render(claims: dict[str, object]) -> bytes:
    # what Starlette's JSONResponse.render writes
    return json.dumps(
        claims, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode()


async def _answer(send: Send, body: bytes) -> None:
    headers = [_CACHE_CONTROL, (b"content-length", str(len(body)).encode()), _CONTENT_TYPE]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
