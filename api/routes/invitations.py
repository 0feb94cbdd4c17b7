"""Invitations: the administrators' API (scope `admin`), and the page and call that accept one."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request, status
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from api.administration import invitations as sent
from api.db.models import Invitation, User
from api.errors import DomainError
from api.http import browser
from api.http.deps import AdminActor, AdminUser, Source, State
from api.http.rendering import render
from api.observability import audit
from api.routes.responses import AUTHENTICATED
from api.schemas.common import Text
from api.schemas.invitations import InvitationAccept, InvitationCreate, InvitationOut, PendingInvitation
from api.schemas.users import UserOut
from api.services import invitations
from api.services.sessions import RequestSource

admin = APIRouter(prefix="/invitations", tags=["admin"], responses=AUTHENTICATED)
router = APIRouter(tags=["auth"])

InvitationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {"description": "No pending invitation with this id"}
}


@admin.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=InvitationOut,
    responses={
        status.HTTP_409_CONFLICT: {"description": "The address has an account or a pending invitation"}
    },
)
async def invite(body: InvitationCreate, actor: AdminActor, state: State) -> Invitation:
    """Invite an address: a mail carries the link that creates the account (registration closed or not)."""
    return await sent.invite(
        email=body.email, is_admin=body.is_admin, role_names=body.roles, state=state, actor=actor
    )


@admin.get("", response_model=list[PendingInvitation])
async def list_invitations(_admin: AdminUser, state: State) -> list[Invitation]:
    """The invitations that can still be accepted, newest first."""
    return await invitations.pending(moment=state.clock())


@admin.delete("/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def revoke_invitation(invitation_id: InvitationId, actor: AdminActor, state: State) -> None:
    """Revoke a pending invitation: its link stops working."""
    await sent.revoke(invitation_id, state=state, actor=actor)


@router.post(
    "/accept-invitation",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses={
        status.HTTP_400_BAD_REQUEST: {"description": "Invalid or expired invitation"},
        status.HTTP_409_CONFLICT: {"description": "Username or e-mail address already registered"},
    },
)
async def accept_invitation(body: InvitationAccept, state: State, source: Source) -> User:
    """Create the invited account: its e-mail address verified, admin and roles as invited."""
    return await _accept(body, state=state, source=source)


@router.get("/accept-invitation", response_class=HTMLResponse)
async def accept_invitation_page(
    request: Request, state: State, token: Annotated[Text, Query(max_length=200)] = ""
) -> HTMLResponse:
    """The form that creates the invited account; the token is used only when it is posted."""
    return _page(request, state, token=token)


@router.post("/accept-invitation/form", response_class=HTMLResponse, include_in_schema=False)
async def accept_invitation_form(
    request: Request,
    token: Annotated[Text, Form(max_length=200)],
    username: Annotated[Text, Form(max_length=150)],
    password: Annotated[str, Form(max_length=128)],
    state: State,
    source: Source,
) -> HTMLResponse:
    """Create the invited account from the page."""
    if not browser.same_origin(request):
        return _page(
            request,
            state,
            token=token,
            error="Use this site's own page.",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    try:
        user = await _accept(
            InvitationAccept(token=token, username=username, password=password), state=state, source=source
        )
    except ValidationError as exc:
        message = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        return _page(
            request, state, token=token, error=message, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    except DomainError as exc:  # the page says what the API would
        return _page(request, state, token=token, error=exc.message, status_code=exc.status_code)
    return _page(request, state, token=token, done=user.username)


async def _accept(body: InvitationAccept, *, state: State, source: RequestSource) -> User:
    user, invitation = await invitations.accept(
        body.token, username=body.username, password=body.password, state=state
    )
    _record("invitation_accepted", invitation, source, by=invitation.invited_by, user_id=user.id)
    return user


def _page(
    request: Request,
    state: State,
    *,
    token: str,
    error: str | None = None,
    done: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> HTMLResponse:
    return render(
        request,
        "accept_invitation.html",
        status_code=status_code,
        token=token,
        error=error,
        done=done,
        min_password_length=state.settings.password_min_length,
    )


def _record(
    event: audit.Event,
    invitation: Invitation,
    source: RequestSource,
    *,
    by: int | None,
    user_id: int | None = None,
) -> None:
    audit.record(
        event,
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user_id,
        by=by,
        invitation=invitation.id,
        email=invitation.email,
    )
