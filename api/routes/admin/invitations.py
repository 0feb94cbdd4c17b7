"""The console's invitations: invite an address, and the pending invitations with a revoke button."""

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, status
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.administration import invitations as sent
from api.routes.admin.console import PAGE_SIZE, AdminConsole, ConsoleRoute, redirect
from api.schemas.common import Text
from api.schemas.invitations import InvitationCreate
from api.services import invitations

router = APIRouter(prefix="/admin/invitations", include_in_schema=False, route_class=ConsoleRoute)

NOTICES = {"sent": "Invitation sent.", "revoked": "Invitation revoked: its link works no more."}


async def _page(
    console: AdminConsole,
    *,
    offset: int = 0,
    notice: str | None = None,
    error: str | None = None,
    email: str = "",
) -> Response:
    pending = await invitations.pending(moment=console.state.clock())
    return console.show(
        "invitations.html",
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if error else status.HTTP_200_OK,
        invitations=pending[offset : offset + PAGE_SIZE],
        notice=notice,
        error=error,
        email=email,
        previous=f"/admin/invitations?offset={max(offset - PAGE_SIZE, 0)}" if offset else None,
        next=f"/admin/invitations?offset={offset + PAGE_SIZE}" if offset + PAGE_SIZE < len(pending) else None,
    )


@router.get("", response_class=HTMLResponse)
async def list_invitations(
    console: AdminConsole,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    done: Annotated[Text, Query(max_length=40)] = "",
) -> Response:
    """The form of an invitation, and the pending ones, newest first."""
    return await _page(console, offset=offset, notice=NOTICES.get(done))


@router.post("", response_class=HTMLResponse)
async def invite(
    console: AdminConsole,
    email: Annotated[Text, Form(max_length=320)] = "",
    is_admin: Annotated[Text, Form(max_length=5)] = "",
    roles: Annotated[Text, Form(max_length=5000)] = "",
) -> Response:
    """Invite an address: a mail carries the link that creates the account."""
    try:
        body = InvitationCreate(email=email, is_admin=bool(is_admin), roles=roles.split())
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return await _page(console, error=problems, email=email)
    await sent.invite(
        email=body.email,
        is_admin=body.is_admin,
        role_names=body.roles,
        state=console.state,
        actor=console.actor,
    )
    return redirect("/admin/invitations?done=sent")


@router.post("/{invitation_id}/revoke", response_class=HTMLResponse)
async def revoke(
    invitation_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    console: AdminConsole,
    confirm: Annotated[Text, Form(max_length=3)] = "",
) -> Response:
    """Revoke a pending invitation (after a confirmation)."""
    if confirm != "yes":
        return console.confirm(
            title="Revoke the invitation",
            question="Its link stops working; the address can be invited again.",
            action=f"/admin/invitations/{invitation_id}/revoke",
            button="Revoke",
            back="/admin/invitations",
        )
    await sent.revoke(invitation_id, state=console.state, actor=console.actor)
    return redirect("/admin/invitations?done=revoked")
