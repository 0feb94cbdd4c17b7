"""How the browser side travels: the auth cookie, CSRF protection, safe redirects and security headers."""

from urllib.parse import parse_qs, urlsplit

from fastapi import HTTPException, Request, Response, status

from api.config import Settings
from api.core.csrf import CsrfTokens

AUTH_COOKIE = "auth_token"
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


def allowing_form_action(target: str) -> dict[str, str]:
    """The security headers for a page whose form ends, after redirects, at `target`'s origin as well.

    Chromium applies `form-action` to every redirect a form's submission follows: the login page's form
    goes to the token URL, then to `/authorize`, then to the app's redirect URI, which must be allowed too.
    """
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    source = _origin(target)
    if source is None:
        return SECURITY_HEADERS
    policy = policy.replace("form-action 'self'", f"form-action 'self' {source}")
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
