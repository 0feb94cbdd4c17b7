"""The fast path for `POST {TOKEN_URL}/introspect`: what resource servers call on every request.

A plain request (a urlencoded form of `token` and perhaps `token_type_hint`, the client authenticated with
HTTP Basic) is answered here, with the route's own parts: `credentials.client_credentials` and
`clients.authenticate` for the caller (a success kept per worker by `ClientAuthCache`), and
`introspection.introspect` for the answer, kept in the answer cache beside `GET /user/me`'s under the same
per-user counters when it is a user's active token. Anything else (no or a failed client authentication, the
form's client fields, another body) goes on to the route, its body replayed, so every refusal is the route's.
The answers are byte for byte the route's (tested).
"""

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from api.core.jwt import InvalidToken
from api.errors import DomainError
from api.hotpath import bodies
from api.hotpath.answer_cache import AnswerCache
from api.hotpath.client_auth import ClientAuthCache
from api.http.credentials import client_credentials
from api.http.oauth_errors import NO_STORE, Refusal
from api.observability import metrics
from api.services import clients, introspection
from api.services.state import AppState

_FIELDS = frozenset({"token", "token_type_hint"})
# a token and its hint are well under this: anything larger is left to the route and its limits
_MAX_BODY = 8192
# the headers, in the order, that the route's JSONResponse(answer, headers=NO_STORE) gives
_HEADERS = [(name.lower().encode(), value.encode()) for name, value in NO_STORE.items()]
_CONTENT_TYPE = (b"content-type", b"application/json")
_CACHE_KEY = "introspect "


class IntrospectionFastPath:
    """ASGI middleware answering plain introspection requests itself."""

    def __init__(self, app: ASGIApp, *, token_path: str) -> None:
        self.app = app
        self._path = f"{token_path}/introspect"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self._path:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        if not (
            headers.get(b"content-type") == bodies.FORM
            and headers.get(b"authorization", b"")[:6].lower() == b"basic "
            and length.isdigit()
            and int(length) <= _MAX_BODY
        ):
            await self.app(scope, receive, send)
            return
        body, messages = await bodies.read_body(receive)
        form = bodies.plain_form(body, max_fields=len(_FIELDS))
        client_id = None
        if form is not None and set(form) <= _FIELDS and form.get("token"):
            client_id = await _authenticated(scope, headers[b"authorization"].decode("latin-1"))
        if client_id is None or form is None:
            await self.app(scope, bodies.replay(messages, receive), send)
            return
        state: AppState = scope["app"].state.auth
        answer, active = await _answer(scope["app"].state.answers, state, form["token"])
        metrics.count_introspection(active=active)
        response_headers = [*_HEADERS, (b"content-length", str(len(answer)).encode()), _CONTENT_TYPE]
        await send({"type": "http.response.start", "status": 200, "headers": response_headers})
        await send({"type": "http.response.body", "body": answer})


async def _authenticated(scope: Scope, authorization: str) -> str | None:
    """The client id the Basic credentials prove; None for anything the route should answer."""
    proofs: ClientAuthCache = scope["app"].state.client_auths
    if (client_id := proofs.proven(authorization)) is not None:
        return client_id
    everyone = proofs.counter()
    try:
        presented = client_credentials(authorization, form_id=None, form_secret=None)
        if presented is None or presented.secret is None:
            return None
        caller = await clients.authenticate(presented)
    except (DomainError, Refusal):
        return None  # never kept: the route refuses it, and records the failure
    proofs.remember(authorization, caller.client_id, everyone=everyone)
    return caller.client_id


async def _answer(answers: AnswerCache, state: AppState, token: str) -> tuple[bytes, bool]:
    """The route's body for this token and whether it is active: cached, or `introspection.introspect`'s."""
    if (cached := answers.get(_CACHE_KEY + token)) is not None:
        return cached.body, True
    try:
        claims = await state.keys.decode(token)
    except InvalidToken:
        claims = None  # a refresh token, or none: answered, never kept
    user_id = claims.user_id if claims is not None and claims.client_id is None else None
    # before the query: a change to this user meanwhile voids what it reads
    generation = answers.generation(user_id) if user_id is not None else None
    answer = await introspection.introspect(token, state=state)
    body = _render(answer)
    if claims is not None and user_id is not None and generation is not None and answer["active"]:
        answers.put(
            _CACHE_KEY + token,
            body=body,
            scopes=claims.scopes,
            token_expires_at=claims.expires_at,
            user_id=user_id,
            generation=generation,
        )
    return body, bool(answer["active"])


def _render(answer: dict[str, object]) -> bytes:
    # what Starlette's JSONResponse.render writes
    return json.dumps(
        answer, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode()
