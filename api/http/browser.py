"""How the browser side travels: the auth cookie, CSRF protection, safe redirects and security headers."""

import secrets
from urllib.parse import parse_qs, urlsplit

from fastapi import HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError

from api.config import Settings
from api.core.csrf import CsrfTokens
from api.schemas.common import CLIENT_ID_MAX_LENGTH, PARAMETER_MAX_LENGTH

AUTH_COOKIE = "auth_token"
# the anonymous login page's CSRF cookie (double submit): its forms that start a sign-in elsewhere carry a
# token derived from it
LOGIN_CSRF_COOKIE = "login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# no inline script anywhere, pages included; Swagger UI's data: images are the one exception to 'self'
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def allowing_form_action(*targets: str) -> dict[str, str]:
    """The security headers for a page whose forms end, after redirects, at the targets' origins as well.

    Chromium applies `form-action` to every redirect a form's submission follows: the login page's form
    goes to the token URL, then to `/authorize`, then to the app's redirect URI, which must be allowed too
    (and a "Sign in with …" button goes to that provider).
    """
    sources = list(dict.fromkeys(source for target in targets if (source := _origin(target)) is not None))
    if not sources:
        return SECURITY_HEADERS
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    policy = policy.replace("form-action 'self'", f"form-action 'self' {' '.join(sources)}")
    return {**SECURITY_HEADERS, "Content-Security-Policy": policy}


def app_redirect(next_path: str) -> str:
    """The redirect URI named by a `next` that is an authorization request (the login's way back), or ''."""
    parts = urlsplit(next_path)
    if parts.path != "/authorize":
        return ""
    values = parse_qs(parts.query).get("redirect_uri", [])
    return values[0] if len(values) == 1 else ""


def _origin(uri: str) -> str | None:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not scheme or any(char in uri for char in " ;,'\"\n\r"):
        return None
    if scheme in ("http", "https"):
        return f"{scheme}://{parts.netloc}" if parts.netloc else None
    return f"{scheme}:"


async def request_parameters(request: Request) -> dict[str, list[str]]:
    """A browser request's parameters, each with every value given (a repeated one is the caller's to
    refuse): the query of a GET, the form of a POST."""
    if request.method == "POST":
        items = [
            (name, value) for name, value in (await request.form()).multi_items() if isinstance(value, str)
        ]
    else:
        items = request.query_params.multi_items()
    parameters: dict[str, list[str]] = {}
    for name, value in items:
        parameters.setdefault(name, []).append(value)
    _refuse_unusable(parameters, where="body" if request.method == "POST" else "query")
    return parameters


def _refuse_unusable(parameters: dict[str, list[str]], *, where: str) -> None:
    # the same rules as the schemas' `Text`: these routes read their parameters themselves
    errors: list[dict[str, object]] = []
    for name, values in parameters.items():
        limit = parameter_limit(name)
        for value in values:
            if "\x00" in value:
                errors.append(
                    {"type": "string_pattern_mismatch", "loc": (where, name), "msg": "Must not contain NUL"}
                )
            elif len(value) > limit:
                errors.append(
                    {"type": "string_too_long", "loc": (where, name), "msg": f"At most {limit} characters"}
                )
    if errors:
        raise RequestValidationError(errors)


def parameter_limit(name: str) -> int:
    """The longest value a browser's parameter may have (a client_id is as long as the database keeps)."""
    return CLIENT_ID_MAX_LENGTH if name == "client_id" else PARAMETER_MAX_LENGTH


def is_browser_form(request: Request) -> bool:
    """A form a browser submits (and wants a page back), as opposed to an API client's request."""
    content_type = request.headers.get("content-type", "")
    return content_type.startswith(_FORM_TYPES) and "text/html" in request.headers.get("accept", "")


def safe_next(target: str | None) -> str:
    """A path on this site to go to after logging in; anything else (another site, `//host`) becomes `/`."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(char) < 0x20 or char == "\\" for char in target):
        return "/"
    return target


def set_auth_cookie(response: Response, token: str, *, settings: Settings) -> None:
    """Hand the access token to the browser: HttpOnly, SameSite=Lax, Secure per COOKIE_SECURE."""
    response.set_cookie(
        AUTH_COOKIE,
        token,
        max_age=settings.access_token_expire_minutes * 60,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def clear_auth_cookie(response: Response, *, settings: Settings) -> None:
    """Make the browser forget the auth cookie."""
    response.delete_cookie(
        AUTH_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.cookie_secure
    )


def same_origin(request: Request) -> bool:
    """Whether the request says it comes from this site (Origin, or else Referer, names our host)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return False
    return urlsplit(source).netloc == request.headers.get("host")


def login_csrf_token(request: Request, csrf: CsrfTokens) -> tuple[str, str]:
    """The anonymous login page's CSRF cookie (this browser's, or a new one) and the token its forms carry."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    return cookie, csrf.for_session(f"login:{cookie}")


def set_login_csrf_cookie(response: Response, cookie: str, *, settings: Settings) -> None:
    """Keep the login page's CSRF cookie for a day."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        cookie,
        max_age=86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def require_login_csrf(request: Request, submitted: str | None, *, csrf: CsrfTokens) -> None:
    """Refuse (403) an anonymous form from elsewhere, or without the token of this browser's login cookie."""
    if not same_origin(request):
        raise _csrf_refused("the request does not come from this site")
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or submitted is None or not csrf.matches(f"login:{cookie}", submitted):
        raise _csrf_refused("missing or wrong CSRF token")


def _csrf_refused(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, f"CSRF check failed: {reason}")


async def require_csrf(request: Request, *, session_id: str, csrf: CsrfTokens) -> None:
    """Refuse (403) a cookie-authenticated unsafe request from elsewhere or without the session's token."""
    if not same_origin(request):
        raise _csrf_refused("the request does not come from this site")
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if submitted is None or not csrf.matches(session_id, submitted):
        raise _csrf_refused("missing or wrong CSRF token")
