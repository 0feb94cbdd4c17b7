"""The fast path for `GET /user/me`: the busiest route, answered before routing when the caller is fine.

A request this module can answer with 200 (a working token with the `profile` scope, an active session and
user, checked in the database as always) is answered here, skipping FastAPI's routing and dependency
resolution, which cost more than the work itself. Anything else goes on to the ordinary route, which gives
the contract's error answers; so errors are defined in one place only, and both paths share `principal_for`.
"""

from fastapi import HTTPException, Request
from fastapi.security.utils import get_authorization_scheme_param
from starlette.types import ASGIApp, Receive, Scope, Send

from . import scopes, web
from .deps import principal_for
from .schemas import UserOut

PATHS = frozenset({"/user/me", "/users/me"})
_HEADERS = [(b"content-type", b"application/json")]


class MeFastPath:
    """ASGI middleware answering a successful `GET /user/me` itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] in PATHS:
            body = await _success_body(Request(scope))
            if body is not None:
                headers = [*_HEADERS, (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


async def _success_body(request: Request) -> bytes | None:
    scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
    bearer = credentials if scheme.lower() == "bearer" and credentials else None
    token = bearer or request.cookies.get(web.AUTH_COOKIE)
    if token is None:
        return None
    try:
        principal = await principal_for(token, request.app.state.auth)
    except HTTPException:
        return None
    if scopes.PROFILE not in principal.scopes:
        return None
    return UserOut.model_validate(principal.user).model_dump_json().encode()
