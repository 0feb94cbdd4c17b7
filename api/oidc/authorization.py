"""The authorization endpoint's decisions: sign in first, ask for consent, or give the app a code."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from api.config import Settings
from api.db.models import Session, User
from api.errors import AuthorizationRefused, ConsentRequired, LoginRequired
from api.oidc import codes, consents
from api.oidc.codes import SignIn
from api.oidc.discovery import issuer
from api.oidc.requests import AuthorizationRequest, Destination
from api.services import users


@dataclass(frozen=True, slots=True)
class SignInFirst:
    """The browser goes to the login page, which comes back to `next` (an /authorize URL)."""

    login_url: str


@dataclass(frozen=True, slots=True)
class AskConsent:
    """The consent page, for these scopes."""

    request: AuthorizationRequest
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class BackToApp:
    """The browser goes back to the app: a code, or an error."""

    url: str


Decision = SignInFirst | AskConsent | BackToApp


async def sign_in_of(*, user_id: int, session_id: str) -> SignIn | None:
    """The browser's sign-in: its session, and when it signed in (the session's start)."""
    found = await Session.get_or_none(id=session_id, user_id=user_id, revoked_at=None)
    if found is None:
        return None
    return SignIn(user_id=user_id, session_id=str(found.id), auth_time=found.created_at)


def grantable(request: AuthorizationRequest, user: User, settings: Settings) -> frozenset[str]:
    """What the request may be given: all it asks for, but `admin` only for an administrator."""
    return users.still_held(request.scopes, user, settings)


def needs_sign_in(request: AuthorizationRequest, sign_in: SignIn | None, *, moment: datetime) -> bool:
    """No session, `prompt=login`, or a sign-in older than `max_age`."""
    if sign_in is None or "login" in request.prompt:
        return True
    return request.max_age is not None and (moment - sign_in.auth_time).total_seconds() > request.max_age


async def decide(
    request: AuthorizationRequest,
    *,
    sign_in: SignIn | None,
    user: User | None,
    settings: Settings,
    moment: datetime,
    allowed: bool = False,
) -> Decision:
    """What a (checked) request leads to, for this browser's sign-in; `allowed`: the user has just pressed
    Allow on the consent page (remembered, and no page again), which still needs a sign-in the request
    accepts (`prompt=login`, `max_age`)."""
    if user is None or sign_in is None or needs_sign_in(request, sign_in, moment=moment):
        if "none" in request.prompt:
            raise LoginRequired
        return SignInFirst(login_url=login_url(request))
    granted = grantable(request, user, settings)
    if allowed:
        await consents.remember(user_id=user.id, client=request.client, allowed=granted, moment=moment)
    elif await consents.must_ask(
        user_id=user.id, client=request.client, granted=granted, prompted="consent" in request.prompt
    ):
        if "none" in request.prompt:
            raise ConsentRequired
        return AskConsent(request=request, scopes=granted)
    return BackToApp(
        await give_code(request, sign_in=sign_in, granted=granted, settings=settings, moment=moment)
    )


async def give_code(
    request: AuthorizationRequest,
    *,
    sign_in: SignIn,
    granted: frozenset[str],
    settings: Settings,
    moment: datetime,
) -> str:
    """The app's redirect URI with a new code, `state` and `iss`."""
    code = await codes.issue(request, sign_in=sign_in, granted=granted, moment=moment)
    return back_to(Destination(request.redirect_uri, request.state), settings=settings, code=code)


def refused(destination: Destination, error: AuthorizationRefused, *, settings: Settings) -> str:
    """The app's redirect URI with the error, `state` and `iss`."""
    return back_to(destination, settings=settings, error=error.oauth_error, error_description=error.message)


def back_to(destination: Destination, *, settings: Settings, **fields: str) -> str:
    """The redirect URI with these fields, `state` and `iss` (RFC 9207) added to its query."""
    answer = {**fields, **({"state": destination.state} if destination.state is not None else {})}
    answer["iss"] = issuer(settings)
    uri = destination.redirect_uri
    separator = "&" if urlsplit(uri).query else ("" if uri.endswith("?") else "?")
    return f"{uri}{separator}{urlencode(answer)}"


def login_url(request: AuthorizationRequest) -> str:
    """The login page, coming back to this request; a request to sign in again (prompt=login, max_age=0)
    comes back without it, or the fresh sign-in would be asked for once more."""
    parameters = dict(request.parameters)
    prompt = request.prompt - {"login"}
    if prompt:
        parameters["prompt"] = " ".join(sorted(prompt))
    else:
        parameters.pop("prompt", None)
    if request.max_age == 0:
        parameters.pop("max_age")
    target = f"/authorize?{urlencode(parameters)}"
    login = {"next": target, **({"login_hint": request.login_hint} if request.login_hint else {})}
    return f"/login?{urlencode(login)}"
