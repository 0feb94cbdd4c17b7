"""The account page: profile, password, sessions, two-factor and deletion, for the signed-in browser.

Every form posts here with the auth cookie and its CSRF token (checked by the principal dependency), and the
answer is the page again, saying what happened, or a redirect.
"""

import contextlib
import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.errors import DomainError
from api.grants import issuing
from api.http.deps import Source
from api.http.rendering import logged_in, logged_out
from api.observability import audit
from api.oidc import consents
from api.passkeys import credentials
from api.routes.account_forms import AccountForm, AccountFormRoute
from api.schemas.common import CLIENT_ID_MAX_LENGTH, Text
from api.schemas.users import ProfileUpdate
from api.services import sessions, users
from api.social import identities

router = APIRouter(prefix="/account", include_in_schema=False, route_class=AccountFormRoute)


@router.get("", response_class=HTMLResponse)
async def show(page: AccountForm, done: Annotated[Text, Query(max_length=100)] = "") -> Response:
    """The account page; anonymous visitors log in first."""
    notices = {
        "password": "Password changed: your other sessions have ended.",
        "profile": "Profile saved.",
        "apps": "The app's access was removed.",
        "passkey": "Passkey added: you can sign in with it now.",
        "passkey-renamed": "Passkey renamed.",
        "passkey-removed": "Passkey removed: it signs in no more.",
        "linked": "Linked: you can sign in with it now.",
        "unlinked": "Unlinked.",
    }
    return await page.show(notice=notices.get(done))


@router.post("/profile", response_class=HTMLResponse)
async def save_profile(
    page: AccountForm,
    source: Source,
    email: Annotated[Text, Form(max_length=320)] = "",
    full_name: Annotated[Text, Form(max_length=200)] = "",
) -> Response:
    """Change the e-mail address and full name (blank clears them)."""
    try:
        changes = ProfileUpdate(email=email or None, full_name=full_name or None).model_dump()
    except ValidationError:
        return await page.show(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, error="That is not an e-mail address."
        )
    user = page.principal.user
    old_email = user.email
    await users.update_profile(user, changes=changes, state=page.state)
    if user.email != old_email:
        audit.record(
            "email_change", outcome="success", ip=source.ip, user_agent=source.user_agent, user_id=user.id
        )
    return RedirectResponse("/account?done=profile", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/password", response_class=HTMLResponse)
async def change_password(
    page: AccountForm,
    source: Source,
    current_password: Annotated[str, Form(max_length=128)],
    new_password: Annotated[str, Form(max_length=128)],
) -> Response:
    """Change the password; every session ends, and this browser gets a new one."""
    user, state = page.principal.user, page.state
    try:
        await users.change_password(
            user, current_password=current_password, new_password=new_password, state=state
        )
    except DomainError:
        audit.record(
            "password_change", outcome="failure", ip=source.ip, user_agent=source.user_agent, user_id=user.id
        )
        raise
    audit.record(
        "password_change", outcome="success", ip=source.ip, user_agent=source.user_agent, user_id=user.id
    )
    return logged_in(
        await issuing.open_session(user, source=source, state=state),
        target="/account?done=password",
        settings=state.settings,
    )


@router.post("/sessions/{session_id}/end", response_class=HTMLResponse)
async def end_session(session_id: uuid.UUID, page: AccountForm, source: Source) -> Response:
    """End one of your sessions (this one too: that is logging out)."""
    principal = page.principal
    with contextlib.suppress(DomainError):  # ended meanwhile: the list shows what is left
        await sessions.end_own(user_id=principal.user.id, session_id=session_id, moment=page.state.clock())
    audit.record(
        "revocation",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=principal.user.id,
        session_id=str(session_id),
    )
    if session_id == principal.session_id:
        # this browser's own session: logging out, so the cookie goes too
        return logged_out(browser=True, settings=page.state.settings)
    return RedirectResponse("/account", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/passkeys/{passkey_id}/rename", response_class=HTMLResponse)
async def rename_passkey(
    passkey_id: uuid.UUID, page: AccountForm, name: Annotated[Text, Form(min_length=1, max_length=100)]
) -> Response:
    """Rename one of your passkeys."""
    await credentials.rename(user_id=page.principal.user.id, passkey_id=passkey_id, name=name)
    return RedirectResponse("/account?done=passkey-renamed#passkeys", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/passkeys/{passkey_id}/remove", response_class=HTMLResponse)
async def remove_passkey(passkey_id: uuid.UUID, page: AccountForm, source: Source) -> Response:
    """Remove one of your passkeys: it signs in no more."""
    user = page.principal.user
    await credentials.remove(user_id=user.id, passkey_id=passkey_id)
    audit.record(
        "passkey_removed",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user.id,
        passkey=str(passkey_id),
    )
    return RedirectResponse("/account?done=passkey-removed#passkeys", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/identities/{provider}/unlink", response_class=HTMLResponse)
async def unlink_identity(
    provider: Annotated[Text, Path(max_length=40)], page: AccountForm, source: Source
) -> Response:
    """Unlink another provider's identity, unless it is the last way to sign in."""
    user = page.principal.user
    await identities.unlink(user, provider=provider)
    audit.record(
        "identity_unlinked",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user.id,
        provider=provider,
    )
    return RedirectResponse("/account?done=unlinked#sign-in-methods", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/apps/{client_id}/forget", response_class=HTMLResponse)
async def forget_app(
    client_id: Annotated[Text, Path(max_length=CLIENT_ID_MAX_LENGTH)], page: AccountForm, source: Source
) -> Response:
    """Take back an app's access: its consent is forgotten and every token it holds for you stops working."""
    user = page.principal.user
    with contextlib.suppress(DomainError):  # forgotten meanwhile: the list shows what is left
        await consents.forget(user_id=user.id, client_id=client_id, moment=page.state.clock())
        audit.record(
            "consent_revoked",
            outcome="success",
            ip=source.ip,
            user_agent=source.user_agent,
            user_id=user.id,
            client_id=client_id,
        )
    return RedirectResponse("/account?done=apps#apps", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/delete", response_class=HTMLResponse)
async def delete_account(
    page: AccountForm, source: Source, password: Annotated[str, Form(max_length=128)]
) -> Response:
    """Delete the account with the password; the browser is logged out."""
    user = page.principal.user
    try:
        await users.delete_account(user, password=password, state=page.state)
    except DomainError:
        audit.record(
            "account_deletion", outcome="failure", ip=source.ip, user_agent=source.user_agent, user_id=user.id
        )
        raise
    audit.record(
        "account_deletion", outcome="success", ip=source.ip, user_agent=source.user_agent, user_id=user.id
    )
    return logged_out(browser=True, settings=page.state.settings)
