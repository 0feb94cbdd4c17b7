"""The ASGI middleware announcing a request's changes after its work commits, before its answer leaves."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.db import changes

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _writing_get(path: str) -> bool:
    # the GETs that may write what an answer shows: OpenID Connect's logout ends the browser's session, and
    # the way back from another identity provider may make an account
    return path == "/end-session" or (path.startswith("/login/") and path.endswith("/callback"))


class ChangeTracking:
    """Around every request that may write: what it touched is announced once the route has committed."""

    def __init__(self, app: ASGIApp, *, announce: changes.Announce) -> None:
        self.app = app
        self._announce = announce

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # a GET changes nothing an answer shows (mail links are consumed by POST): the busiest requests pay
        # nothing here, and a GET that wrote a watched model would raise UntrackedChange, not go unannounced
        if scope["type"] != "http" or (scope["method"] in _SAFE_METHODS and not _writing_get(scope["path"])):
            await self.app(scope, receive, send)
            return
        with changes.noting() as tracked:

            async def send_after_announcing(message: Message) -> None:
                # the route has returned, so its transaction is committed: announce before the client can act
                if message["type"] == "http.response.start" and tracked:
                    await self._announce(tracked.taken())
                await send(message)

            try:
                await self.app(scope, receive, send_after_announcing)
            finally:
                if tracked:  # the route failed after its change: announce it all the same
                    await self._announce(tracked.taken())
