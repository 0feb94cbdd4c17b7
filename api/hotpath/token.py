"""The fast path for the token endpoint's two busiest grants: `POST {TOKEN_URL}` with a plain password or
refresh_token grant, before routing.

Every client refreshes every few minutes and every user logs in, and FastAPI's form parsing and dependency
resolution cost as much as a refresh's own work. So a plain form (only the grant's own fields and perhaps
`scope`, no client credentials, no second factor, not a browser's form) is answered here, with the very
grants the route calls (their handlers in `api.grants.GRANTS`, with no client), `grant_outcomes` and
`TokenResponse`; anything else goes on to the route, its body replayed. The answers are byte for byte the
route's (tested).
"""

from fastapi.responses import JSONResponse
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from api import grants
from api.core import scopes
from api.errors import DomainError
from api.hotpath import bodies
from api.http import grant_outcomes
from api.http.oauth_errors import NO_STORE
from api.http.source import source_of
from api.schemas.tokens import TokenResponse
from api.services.state import AppState

# each grant's fields (any other field sends the form to the route) and those it needs non-empty
_GRANTS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "refresh_token": (frozenset({"grant_type", "refresh_token", "scope"}), ("refresh_token",)),
    "password": (frozenset({"grant_type", "username", "password", "scope"}), ("username", "password")),
}
# these forms are a few hundred bytes: anything larger is left to the route and its limits
_MAX_BODY = 2048


class TokenFastPath:
    """ASGI middleware answering plain password and refresh grants itself."""

    def __init__(self, app: ASGIApp, *, token_path: str) -> None:
        self.app = app
        self._path = token_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self._path:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        plain = (
            headers.get(b"content-type") == bodies.FORM
            and b"authorization" not in headers
            and b"text/html" not in headers.get(b"accept", b"")
            and length.isdigit()
            and int(length) <= _MAX_BODY
        )
        if not plain:
            await self.app(scope, receive, send)
            return
        body, messages = await bodies.read_body(receive)
        form = _plain_form(body)
        if form is None:
            await self.app(scope, bodies.replay(messages, receive), send)
            return
        await self._grant(scope, receive, send, form)

    async def _grant(self, scope: Scope, receive: Receive, send: Send, form: dict[str, str]) -> None:
        state: AppState = scope["app"].state.auth
        source = source_of(HTTPConnection(scope), state.settings)
        grant = grants.GRANTS[form.pop("grant_type")]
        event = grant.event
        fields = grants.TokenFields(grant_type=grant.grant_type, **form)
        try:
            issued = await grant.handle(
                grants.GrantInput(fields=fields, client=None, source=source, state=state)
            )
        except DomainError as exc:
            response = grant_outcomes.refusal(exc, event=event, source=source).as_json()
        else:
            grant_outcomes.record(
                event, "success", source, user_id=issued.user_id, session_id=issued.session_id
            )
            answer = TokenResponse(
                access_token=issued.access_token,
                expires_in=issued.expires_in,
                refresh_token=issued.refresh_token,
                scope=scopes.render(issued.scopes),
            )
            response = JSONResponse(answer.model_dump(exclude_none=True), headers=NO_STORE)
        await response(scope, receive, send)


def _plain_form(body: bytes) -> dict[str, str] | None:
    """The fields of a plain password or refresh grant, its `grant_type` filled in as the route does;
    None for any other form (the route answers it)."""
    form = bodies.plain_form(body, max_fields=4)
    if form is None:
        return None
    # the route takes a missing or empty grant_type for the password grant
    form["grant_type"] = form.get("grant_type") or "password"
    fields, required = _GRANTS.get(form["grant_type"], (frozenset(), ("",)))
    if not set(form) <= fields or not all(form.get(name) for name in required):
        return None
    return form
