"""The fast path for `GET /user/me`: the busiest route, answered before routing.

FastAPI's routing and dependency resolution cost more than the work itself, so this middleware answers
`GET /user/me` (and `/users/me`) on its own, with the very functions the route uses: `principals.resolve`'s
two halves for the caller (`claims_of`, then `principal_of`: signature, session and user checked in the
database as always), `role_claims.of_caller` for the roles (read only with the `roles` scope),
`schemas.users.user_json` for the body, and `error_response` for every refusal. The answers are byte for byte
the route's (tested).
"""

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from api.core import scopes
from api.errors import DomainError
from api.hotpath.answer_cache import AnswerCache
from api.http.credentials import bearer_token, presented_token
from api.http.error_handlers import error_response
from api.schemas.users import user_json
from api.services import principals, role_claims
from api.services.state import AppState

PATHS = frozenset({"/user/me", "/users/me"})
# the headers, in the order, that Starlette's Response gives the route's answer
_CONTENT_TYPE = (b"content-type", b"application/json")
_REQUIRED = (scopes.PROFILE,)


class MeFastPath:
    """ASGI middleware answering `GET /user/me` itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in PATHS:
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        token = presented_token(connection, bearer_token(connection.headers.get("authorization")))
        state: AppState = connection.app.state.auth
        answers: AnswerCache = connection.app.state.answers
        if token is not None and (answer := answers.get(token)) is not None and _REQUIRED[0] in answer.scopes:
            await _answer(send, answer.body)
            return
        try:
            claims = await principals.claims_of(token, state, required=_REQUIRED, apps=True)
            assert claims.user_id is not None  # a client's token was refused
            # before the query: a change to this user meanwhile voids what it reads
            generation = answers.generation(claims.user_id)
            principal = await principals.principal_of(claims, state, required=_REQUIRED, apps=True)
            roles = await role_claims.of_caller(principal)
        except DomainError as exc:
            await error_response(exc)(scope, receive, send)
            return
        body = user_json(principal.user, roles=roles)
        assert token is not None
        answers.put(
            token,
            body=body,
            scopes=principal.scopes,
            token_expires_at=principal.expires_at,
            user_id=claims.user_id,
            generation=generation,
        )
        await _answer(send, body)


async def _answer(send: Send, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode()), _CONTENT_TYPE]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
