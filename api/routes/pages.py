"""Server-rendered pages: home, login, registration, a private page, and the offline Swagger UI."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from api.errors import DomainError
from api.grants import issuing
from api.http import browser, rendering
from api.http.deps import OptionalPrincipal, Source, State
from api.http.rendering import logged_in, render
from api.schemas.common import PARAMETER_MAX_LENGTH, Text
from api.schemas.users import UserCreate
from api.services import users
from api.services.state import AppState

# documented where a page shares its path with the API (GET /register, POST /register): the rest is hidden
router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def home(request: Request, principal: OptionalPrincipal) -> HTMLResponse:
    """Home: whether you are logged in, and as whom."""
    return render(request, "index.html", principal=principal)


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_page(
    request: Request,
    principal: OptionalPrincipal,
    next: Annotated[Text, Query(max_length=PARAMETER_MAX_LENGTH)] = "/",
    login_hint: Annotated[Text, Query(max_length=320)] = "",
) -> HTMLResponse:
    """The login form; it posts to the token URL itself."""
    return await rendering.login_page(
        request, principal=principal, target=browser.safe_next(next), username=login_hint[:150]
    )


@router.get("/private", response_class=HTMLResponse, include_in_schema=False)
async def private_page(
    request: Request, principal: OptionalPrincipal, verification: Annotated[Text, Query(max_length=100)] = ""
) -> Response:
    """Only for logged-in users; anyone else goes to the login page first."""
    if principal is None:
        return RedirectResponse("/login?next=/private", status_code=status.HTTP_303_SEE_OTHER)
    return render(request, "private.html", principal=principal, sent=verification == "sent")


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


@router.post("/register/form", response_class=HTMLResponse, include_in_schema=False)
async def register_from_page(
    request: Request, form: Annotated[RegistrationForm, Form()], source: Source, state: State
) -> Response:
    """Create an account from the page, then log in and go home."""

    def again(errors: list[str], status_code: int) -> HTMLResponse:
        kept = form.model_copy(update={"password": ""})
        return _registration_page(request, state, form=kept, errors=errors, status_code=status_code)

    if not browser.same_origin(request):
        return again(["Register from this site's own page."], status.HTTP_403_FORBIDDEN)
    try:
        data = UserCreate(
            username=form.username,
            password=form.password,
            email=form.email or None,
            full_name=form.full_name or None,
        )
        user = await users.self_register(
            username=data.username,
            password=data.password,
            email=data.email,
            full_name=data.full_name,
            state=state,
        )
    except ValidationError as exc:
        messages = [
            f"{'/'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
        ]
        return again(messages, status.HTTP_422_UNPROCESSABLE_CONTENT)
    except DomainError as exc:  # the page says what the API would: the error's own message and status
        return again([exc.message], exc.status_code)
    issued = await issuing.open_session(user, source=source, state=state)
    return logged_in(issued, target="/", settings=state.settings)


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI, served with its assets from this service (no CDN) and no inline script."""
    return render(request, "docs.html", title=request.app.title, openapi_url=request.app.openapi_url)
