"""The current user's own account and sessions."""

import uuid

from fastapi import APIRouter, Response, status

from api.db.models import Session, User
from api.errors import WrongPassword
from api.http.deps import CurrentUser, ReadingPrincipal, Source, State
from api.observability import audit
from api.routes.responses import AUTHENTICATED
from api.schemas.users import (
    AccountDeletion,
    MeOut,
    PasswordChange,
    ProfileUpdate,
    SessionOut,
    UserOut,
    user_json,
)
from api.services import role_claims, sessions, users

router = APIRouter(tags=["me"], responses=AUTHENTICATED)


@router.get("/user/me", response_model=MeOut)
@router.get("/users/me", response_model=MeOut, summary="Read Me (alias)")
async def read_me(caller: ReadingPrincipal) -> Response:
    """Your own account (with your roles when the token has the `roles` scope)."""
    roles = await role_claims.of_caller(caller)
    return Response(user_json(caller.user, roles=roles), media_type="application/json")


@router.patch(
    "/user/me",
    response_model=UserOut,
    responses={status.HTTP_409_CONFLICT: {"description": "Email already registered"}},
)
async def update_me(body: ProfileUpdate, user: CurrentUser, state: State, source: Source) -> User:
    """Change your e-mail address or full name (send null to clear one)."""
    old_email = user.email
    updated = await users.update_profile(user, changes=body.model_dump(exclude_unset=True), state=state)
    if updated.email != old_email:
        audit.record(
            "email_change", outcome="success", ip=source.ip, user_agent=source.user_agent, user_id=user.id
        )
    return updated


@router.post(
    "/user/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={status.HTTP_400_BAD_REQUEST: {"description": "Incorrect password"}},
)
async def change_password(body: PasswordChange, user: CurrentUser, state: State, source: Source) -> None:
    """Change your password; every token issued before stops working, on every device."""
    try:
        await users.change_password(
            user,
            current_password=body.current_password,
            new_password=body.new_password,
            state=state,
        )
    except WrongPassword:
        audit.record(
            "password_change", outcome="failure", ip=source.ip, user_agent=source.user_agent, user_id=user.id
        )
        raise
    audit.record(
        "password_change", outcome="success", ip=source.ip, user_agent=source.user_agent, user_id=user.id
    )


@router.delete(
    "/user/me",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={status.HTTP_400_BAD_REQUEST: {"description": "Incorrect password"}},
)
async def delete_me(body: AccountDeletion, user: CurrentUser, state: State, source: Source) -> None:
    """Delete your account, with its sessions and tokens."""
    try:
        await users.delete_account(user, password=body.password, state=state)
    except WrongPassword:
        audit.record(
            "account_deletion", outcome="failure", ip=source.ip, user_agent=source.user_agent, user_id=user.id
        )
        raise
    audit.record(
        "account_deletion", outcome="success", ip=source.ip, user_agent=source.user_agent, user_id=user.id
    )


@router.get("/user/me/sessions", response_model=list[SessionOut])
async def list_sessions(user: CurrentUser) -> list[Session]:
    """Your active sessions (logins), most recently used first."""
    return await sessions.active(user.id)


@router.delete(
    "/user/me/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={status.HTTP_404_NOT_FOUND: {"description": "No such active session of yours"}},
)
async def end_session(session_id: uuid.UUID, user: CurrentUser, source: Source, state: State) -> None:
    """End one of your sessions: its tokens stop working."""
    await sessions.end_own(user_id=user.id, session_id=session_id, moment=state.clock())
    audit.record(
        "revocation",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user.id,
        session_id=str(session_id),
    )
