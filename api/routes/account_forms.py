"""What every form of the account page shares: anonymous visitors go to the login page, and a refused change
shows the page again with the error.

The routes declare `page: AccountForm` and raise domain errors like any other route; `AccountFormRoute`, the
routers' route class, gives both answers, so no form repeats them.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute

from api.errors import DomainError
from api.http.deps import OptionalPrincipal, State
from api.http.rendering import render
from api.oidc import consents
from api.passkeys import credentials
from api.services import audit_events, sessions
from api.services.principals import Principal
from api.services.state import AppState
from api.social import identities, providers

_LOGIN = "/login?next=/account"
# how many of the user's own security events the page shows
RECENT_ACTIVITY = 10


class LoginFirst(Exception):
    """The account page was asked for without a signed-in browser."""


class AccountPage:
    """The account page of the signed-in browser, and what a failed form adds to it."""

    def __init__(self, request: Request, principal: Principal, state: AppState) -> None:
        self.request = request
        self.principal = principal
        self.state = state
        self._shown_on_failure: dict[str, Any] = {}

    async def show(self, *, status_code: int = status.HTTP_200_OK, **shown: Any) -> HTMLResponse:
        """The page, with whatever a form just produced (`notice`, `error`, `enrolment`, `codes`)."""
        settings = self.state.settings
        user = self.principal.user
        known = await providers.every()
        return render(
            self.request,
            "account.html",
            principal=self.principal,
            status_code=status_code,
            sessions=await sessions.active(user.id),
            activity=await audit_events.activity(user.id, limit=RECENT_ACTIVITY, pending=self.state.audit),
            apps=await consents.of_user(user.id),
            passkeys=await credentials.of_user(user.id),
            identities=await identities.of_user(user.id),
            providers=known,
            form_target=[provider.issuer for provider in known],
            in_words=consents.in_words,
            current_session=self.principal.session_id,
            admin_needs_mfa=user.is_admin and settings.mfa_required_for_admins and not user.mfa_enabled,
            **{"notice": None, "error": None, "enrolment": None, "codes": None, **shown},
        )

    def on_failure(self, **shown: Any) -> None:
        """Show these beside the error if the form fails (the enrolment a wrong first code belongs to)."""
        self._shown_on_failure = shown

    async def failed(self, exc: DomainError) -> HTMLResponse:
        """The page again, with the error's status and message."""
        return await self.show(status_code=exc.status_code, error=exc.message, **self._shown_on_failure)


async def account_form(request: Request, principal: OptionalPrincipal, state: State) -> AccountPage:
    """The signed-in browser's account page; LoginFirst for anyone else."""
    if principal is None:
        raise LoginFirst
    page = AccountPage(request, principal, state)
    request.state.account_page = page
    return page


AccountForm = Annotated[AccountPage, Depends(account_form)]


def to_login() -> RedirectResponse:
    """To the login page, and back to the account page afterwards."""
    return RedirectResponse(_LOGIN, status_code=status.HTTP_303_SEE_OTHER)


class AccountFormRoute(APIRoute):
    """A route of the account page: LoginFirst goes to the login page; a domain error shows the page again."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handle(request)
            except LoginFirst:
                return to_login()
            except DomainError as exc:
                page: AccountPage | None = getattr(request.state, "account_page", None)
                if page is None:
                    raise
                return await page.failed(exc)

        return answer
