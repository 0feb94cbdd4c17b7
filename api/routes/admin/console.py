"""What every page of the administration console shares: who may open it, the actor of its changes, the
confirmation step of a destructive one, and a refused change shown as a message on a page.

The routes declare `console: AdminConsole` and raise domain errors like any other route; `ConsoleRoute`, the
routers' route class, gives the answers, so no page repeats them.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute

from api.errors import DomainError
from api.http.deps import OptionalPrincipal, Source, State
from api.http.rendering import render
from api.services import users
from api.services.admin import Actor
from api.services.principals import Principal
from api.services.state import AppState

# a page of a list that can grow
PAGE_SIZE = 25


class LoginFirst(Exception):
    """A console page was asked for without a signed-in browser."""


class NotAnAdmin(Exception):
    """The signed-in user is no administrator (or one without the two-factor MFA_REQUIRED_FOR_ADMINS asks)."""


class Console:
    """The console as the signed-in administrator sees it."""

    def __init__(self, request: Request, principal: Principal, state: AppState, actor: Actor) -> None:
        self.request = request
        self.principal = principal
        self.state = state
        self.actor = actor

    def show(self, template: str, *, status_code: int = status.HTTP_200_OK, **context: Any) -> HTMLResponse:
        """A page of the console."""
        return render(
            self.request,
            f"admin/{template}",
            principal=self.principal,
            status_code=status_code,
            **{"notice": None, "error": None, **context},
        )

    def confirm(self, *, title: str, question: str, action: str, button: str, **context: Any) -> HTMLResponse:
        """The step before a destructive change: the same form again, sent with `confirm=yes`."""
        return self.show(
            "confirm.html", title=title, question=question, action=action, button=button, **context
        )


async def admin_console(
    request: Request, principal: OptionalPrincipal, state: State, source: Source
) -> Console:
    """The signed-in administrator's console; LoginFirst or NotAnAdmin for anyone else."""
    if principal is None:
        raise LoginFirst
    if not users.admin_in_force(principal.user, state.settings):
        request.state.refused = principal
        raise NotAnAdmin
    request.state.console_principal = principal
    return Console(
        request, principal, state, Actor(id=principal.user.id, source=source, moment=state.clock())
    )


AdminConsole = Annotated[Console, Depends(admin_console)]


def redirect(target: str) -> RedirectResponse:
    """After a change: to the page that shows it (303, so the browser GETs it)."""
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    safe = request.method == "GET"
    return RedirectResponse(
        f"/login?next={quote(target if safe else '/admin', safe='/')}",
        status_code=status.HTTP_302_FOUND if safe else status.HTTP_303_SEE_OTHER,
    )


def _refused(request: Request) -> HTMLResponse:
    principal: Principal = request.state.refused
    state: AppState = request.app.state.auth
    needs_mfa = principal.user.is_admin and state.settings.mfa_required_for_admins
    return render(
        request,
        "admin/refused.html",
        principal=principal,
        status_code=status.HTTP_403_FORBIDDEN,
        needs_mfa=needs_mfa,
    )


class ConsoleRoute(APIRoute):
    """A console route: anonymous visitors log in first, others are refused, and a refused change (a domain
    error, a form field that is not one) is a message on a page, never JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handle(request)
            except LoginFirst:
                return _to_login(request)
            except NotAnAdmin:
                return _refused(request)
            except DomainError as exc:
                return _message(request, status_code=exc.status_code, error=exc.message)
            except RequestValidationError as exc:
                problems = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors())
                return _message(request, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, error=problems)

        return answer


def _message(request: Request, *, status_code: int, error: str) -> HTMLResponse:
    principal: Principal | None = getattr(request.state, "console_principal", None)
    return render(request, "admin/message.html", principal=principal, status_code=status_code, error=error)
