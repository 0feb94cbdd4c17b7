"""The ASGI middleware that turns a request's `changed()` into a bumped counter, before its answer leaves."""

from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.db import changes


class ChangeTracking:
    """Around every request that may write: once the route has committed, tell every worker (and machine)."""

    def __init__(self, app: ASGIApp, *, announce: Callable[[], Awaitable[None]]) -> None:
        self.app = app
        self._announce = announce

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        tracked = changes.track()

        async def send_after_announcing(message: Message) -> None:
            # the route has returned, so its transaction is committed: announce before the client can act
            if message["type"] == "http.response.start" and tracked.made:
                tracked.made = False
                await self._announce()
            await send(message)

        try:
            await self.app(scope, receive, send_after_announcing)
        finally:
            if tracked.made:  # the route failed after its change: announce it all the same
                await self._announce()
