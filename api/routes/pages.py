"""Server-rendered pages: home, login, registration, a private page, and the offline Swagger UI."""

from importlib.resources import files
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError

from .. import web
from ..config import Settings
from ..deps import ClientInfo, OptionalPrincipal, Principal, State
from ..errors import EmailTaken, RegistrationClosed, UsernameTaken, WeakPassword
from ..schemas import UserCreate
from ..services import auth, users
from ..state import AppState

if TYPE_CHECKING:  # token.py imports this module for the browser's answers
    from .token import Refusal, TokenRequest

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(files("api") / "templates"))
PAGE_HEADERS = {**web.SECURITY_HEADERS, "Cache-Control": "no-store"}


def render(
    request: Request,
    template: str,
    *,
    principal: Principal | None = None,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page with the shared layout's context and the security headers."""
    state: AppState = request.app.state.auth
    csrf = state.codec.csrf_token(str(principal.session_id)) if principal else None
    return templates.TemplateResponse(
        request,
        template,
        {"user": principal.user if principal else None, "csrf_token": csrf, **context},
        status_code=status_code,
        headers={**PAGE_HEADERS, **(headers or {})},
    )


def logged_in(issued: auth.IssuedTokens, *, target: str | None, settings: Settings) -> RedirectResponse:
    """After a browser login: the auth cookie, and a 303 to `target` when it is a path on this site."""
    response = RedirectResponse(web.safe_next(target), status_code=status.HTTP_303_SEE_OTHER)
    web.set_auth_cookie(response, issued.access_token, settings=settings)
    return response


def login_refused(
    request: Request, state: AppState, form: "TokenRequest", refusal: "Refusal"
) -> HTMLResponse:
    """The login page again, with the error and the username kept."""
    return render(
        request,
        "login.html",
        status_code=refusal.status_code,
        headers=refusal.headers,
        token_path=state.settings.token_path,
        username=form.username or "",
        next=web.safe_next(form.next),
        error=refusal.description,
    )


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, principal: OptionalPrincipal) -> HTMLResponse:
    """Home: whether you are logged in, and as whom."""
    return render(request, "index.html", principal=principal)


@router.get("/login", response_class=HTMLResponse)
async def login_page(
    request: Request, principal: OptionalPrincipal, state: State, next: str = "/"
) -> HTMLResponse:
    """The login form; it posts to the token URL itself."""
    return render(
        request,
        "login.html",
        principal=principal,
        token_path=state.settings.token_path,
        username="",
        next=web.safe_next(next),
        error=None,
    )


@router.get("/private", response_class=HTMLResponse)
async def private_page(request: Request, principal: OptionalPrincipal) -> Response:
    """Only for logged-in users; anyone else goes to the login page first."""
    if principal is None:
        return RedirectResponse("/login?next=/private", status_code=status.HTTP_303_SEE_OTHER)
    return render(request, "private.html", principal=principal)


class RegistrationForm(BaseModel):
    """The registration page's fields, as a browser sends them (empty strings for blanks)."""

    username: str = ""
    password: str = ""
    email: str = ""
    full_name: str = ""


def _registration_page(
    request: Request, state: AppState, *, form: RegistrationForm, errors: list[str], status_code: int
) -> HTMLResponse:
    return render(
        request,
        "register.html",
        status_code=status_code,
        form=form,
        errors=errors,
        registration_open=state.settings.registration_open,
        min_password_length=state.settings.password_min_length,
    )


@router.get("/register", response_class=HTMLResponse)
async def register_page(request: Request, state: State) -> HTMLResponse:
    """The registration form."""
    return _registration_page(
        request, state, form=RegistrationForm(), errors=[], status_code=status.HTTP_200_OK
    )


@router.post("/register/form", response_class=HTMLResponse)
async def register_from_page(
    request: Request, form: Annotated[RegistrationForm, Form()], client: ClientInfo, state: State
) -> Response:
    """Create an account from the page, then log in and go home."""

    def again(errors: list[str], status_code: int) -> HTMLResponse:
        kept = form.model_copy(update={"password": ""})
        return _registration_page(request, state, form=kept, errors=errors, status_code=status_code)

    if not web.same_origin(request):
        return again(["Register from this site's own page."], status.HTTP_403_FORBIDDEN)
    try:
        data = UserCreate(
            username=form.username,
            password=form.password,
            email=form.email or None,
            full_name=form.full_name or None,
        )
        user = await users.self_register(data, state=state)
    except RegistrationClosed:
        return again(["Registration is closed."], status.HTTP_403_FORBIDDEN)
    except ValidationError as exc:
        messages = [
            f"{'/'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
        ]
        return again(messages, status.HTTP_422_UNPROCESSABLE_CONTENT)
    except (UsernameTaken, EmailTaken) as exc:
        taken = "Username" if isinstance(exc, UsernameTaken) else "Email"
        return again([f"{taken} already registered"], status.HTTP_409_CONFLICT)
    except WeakPassword as exc:
        return again([str(exc)], status.HTTP_422_UNPROCESSABLE_CONTENT)
    issued = await auth.open_session(user, client=client, state=state)
    return logged_in(issued, target="/", settings=state.settings)


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI, served with its assets from this service (no CDN) and no inline script."""
    return render(request, "docs.html", title=request.app.title, openapi_url=request.app.openapi_url)
