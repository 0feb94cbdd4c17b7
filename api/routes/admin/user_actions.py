"""What an administrator does to one user from the console: each a form POST through the services the admin
API uses; the destructive ones ask first."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import HTMLResponse, Response

from api.administration import accounts
from api.routes.admin.console import AdminConsole, ConsoleRoute, redirect
from api.routes.users_admin import UserId
from api.schemas.common import CLIENT_ID_MAX_LENGTH, Text
from api.services import admin

router = APIRouter(prefix="/admin/users/{user_id}", include_in_schema=False, route_class=ConsoleRoute)

Confirmed = Annotated[Text, Form(max_length=3)]
_FLAGS = {
    "disable": ({"disabled": True}, "disabled"),
    "enable": ({"disabled": False}, "enabled"),
    "make-admin": ({"is_admin": True}, "admin"),
    "remove-admin": ({"is_admin": False}, "not-admin"),
    "verify-email": ({"email_verified": True}, "verified"),
}


def _back(user_id: int, done: str) -> Response:
    return redirect(f"/admin/users/{user_id}?done={done}")


@router.post("/flags/{change}", response_class=HTMLResponse)
async def change_flag(
    user_id: UserId,
    change: Annotated[str, Path(pattern="^(" + "|".join(_FLAGS) + ")$")],
    console: AdminConsole,
) -> Response:
    """Disable or enable, make or remove an administrator, mark the e-mail address verified."""
    changes, done = _FLAGS[change]
    await admin.update(user_id, changes=changes, actor=console.actor)
    return _back(user_id, done)


@router.post("/password-reset", response_class=HTMLResponse)
async def send_password_reset(user_id: UserId, console: AdminConsole) -> Response:
    """Mail the user a password reset link."""
    await accounts.send_password_reset(user_id, state=console.state, actor=console.actor)
    return _back(user_id, "reset-sent")


@router.post("/mfa/off", response_class=HTMLResponse)
async def turn_off_two_factor(user_id: UserId, console: AdminConsole, confirm: Confirmed = "") -> Response:
    """Turn the user's two-factor off (after a confirmation)."""
    if confirm != "yes":
        return console.confirm(
            title="Turn two-factor off",
            question=f"Turn two-factor off for {(await admin.get(user_id)).username}? The password alone "
            "will log them in.",
            action=f"/admin/users/{user_id}/mfa/off",
            button="Turn two-factor off",
            back=f"/admin/users/{user_id}",
        )
    await accounts.turn_off_two_factor(user_id, actor=console.actor)
    return _back(user_id, "mfa-off")


@router.post("/passkeys/{passkey_id}/remove", response_class=HTMLResponse)
async def remove_passkey(user_id: UserId, passkey_id: uuid.UUID, console: AdminConsole) -> Response:
    """Remove one of the user's passkeys."""
    await accounts.remove_passkey(user_id, passkey_id=passkey_id, actor=console.actor)
    return _back(user_id, "passkey-removed")


@router.post("/sessions/{session_id}/end", response_class=HTMLResponse)
async def end_session(user_id: UserId, session_id: uuid.UUID, console: AdminConsole) -> Response:
    """End one of the user's sessions."""
    await accounts.end_session(user_id, session_id=session_id, actor=console.actor)
    return _back(user_id, "session-ended")


@router.post("/sessions/end-all", response_class=HTMLResponse)
async def end_sessions(user_id: UserId, console: AdminConsole, confirm: Confirmed = "") -> Response:
    """End every session of the user (after a confirmation)."""
    if confirm != "yes":
        return console.confirm(
            title="End every session",
            question=f"End every session of {(await admin.get(user_id)).username}? They log in again.",
            action=f"/admin/users/{user_id}/sessions/end-all",
            button="End every session",
            back=f"/admin/users/{user_id}",
        )
    await accounts.end_sessions(user_id, actor=console.actor)
    return _back(user_id, "sessions-ended")


@router.post("/identities/{provider}/unlink", response_class=HTMLResponse)
async def unlink_identity(
    user_id: UserId, provider: Annotated[Text, Path(max_length=40)], console: AdminConsole
) -> Response:
    """Unlink the user's identity at another provider, unless it is their last way to sign in."""
    await accounts.unlink(user_id, provider=provider, actor=console.actor)
    return _back(user_id, "unlinked")


@router.post("/apps/{client_id}/revoke", response_class=HTMLResponse)
async def revoke_app(
    user_id: UserId,
    client_id: Annotated[Text, Path(max_length=CLIENT_ID_MAX_LENGTH)],
    console: AdminConsole,
    confirm: Confirmed = "",
) -> Response:
    """Take back what the user allowed an app (after a confirmation)."""
    if confirm != "yes":
        return console.confirm(
            title="Revoke an app's access",
            question=f"Take back what {(await admin.get(user_id)).username} allowed the app {client_id}? "
            "Its tokens for them stop working.",
            action=f"/admin/users/{user_id}/apps/{client_id}/revoke",
            button="Revoke",
            back=f"/admin/users/{user_id}",
        )
    await accounts.forget_app(user_id, client_id=client_id, actor=console.actor)
    return _back(user_id, "app-revoked")


@router.post("/delete", response_class=HTMLResponse)
async def delete_user(
    user_id: UserId,
    console: AdminConsole,
    confirm: Confirmed = "",
    confirm_username: Annotated[Text, Form(max_length=150)] = "",
) -> Response:
    """Delete the user, once their username is typed to confirm."""
    user = await admin.get(user_id)
    if confirm != "yes" or confirm_username != user.username:
        return console.confirm(
            title=f"Delete {user.username}",
            question="The account, its sessions, passkeys and linked identities are deleted. This cannot "
            "be undone.",
            action=f"/admin/users/{user_id}/delete",
            button="Delete the user",
            back=f"/admin/users/{user_id}",
            type_to_confirm=user.username,
            error="The username typed does not match." if confirm == "yes" else None,
        )
    await admin.delete(user_id, actor=console.actor)
    return redirect("/admin/users?done=deleted")
