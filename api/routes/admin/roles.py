"""The console's roles and groups: roles made and deleted, groups with their roles and members, and a
user's direct roles."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, status
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.administration import roles as changes
from api.routes.admin.console import PAGE_SIZE, AdminConsole, ConsoleRoute, redirect
from api.routes.users_admin import UserId
from api.schemas.common import Text
from api.schemas.roles import SLUG_MAX_LENGTH, SLUG_PATTERN, GroupCreate, RoleCreate
from api.services import admin, groups, roles

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=ConsoleRoute)

Name = Annotated[Text, Path(max_length=SLUG_MAX_LENGTH, pattern=SLUG_PATTERN)]
Field = Annotated[Text, Form(max_length=500)]
Confirmed = Annotated[Text, Form(max_length=3)]
Offset = Annotated[int, Query(ge=0, le=2**31)]
NOTICES = {"saved": "Saved.", "deleted": "Deleted."}


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


def _pages(path: str, offset: int, total: int) -> dict[str, Any]:
    return {
        "previous": f"{path}?offset={max(offset - PAGE_SIZE, 0)}" if offset else None,
        "next": f"{path}?offset={offset + PAGE_SIZE}" if offset + PAGE_SIZE < total else None,
    }


@router.get("/roles", response_class=HTMLResponse)
async def list_roles(
    console: AdminConsole, offset: Offset = 0, done: Annotated[Text, Query(max_length=40)] = ""
) -> Response:
    """Roles, by name, and groups, a page at a time."""
    every_role, every_group = await roles.every(), await groups.every()
    return console.show(
        "roles.html",
        notice=NOTICES.get(done),
        roles=every_role[offset : offset + PAGE_SIZE],
        groups=every_group[offset : offset + PAGE_SIZE],
        **_pages("/admin/roles", offset, max(len(every_role), len(every_group))),
    )


@router.get("/groups", response_class=HTMLResponse)
async def list_groups(_console: AdminConsole) -> Response:
    """Groups are listed beside the roles."""
    return redirect("/admin/roles#groups")


@router.post("/roles", response_class=HTMLResponse)
async def create_role(
    console: AdminConsole, name: Annotated[Text, Form(max_length=64)] = "", description: Field = ""
) -> Response:
    """Create a role."""
    try:
        body = RoleCreate(name=name, description=description or None)
    except ValidationError as exc:
        return console.show(
            "message.html", status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, error=_problems(exc)
        )
    await changes.create_role(name=body.name, description=body.description, actor=console.actor)
    return redirect("/admin/roles?done=saved")


@router.post("/roles/{name}/delete", response_class=HTMLResponse)
async def delete_role(name: Name, console: AdminConsole, confirm: Confirmed = "") -> Response:
    """Delete a role (after a confirmation)."""
    if confirm != "yes":
        return console.confirm(
            title=f"Delete the role {name}",
            question="Every user and group that has it loses it.",
            action=f"/admin/roles/{name}/delete",
            button="Delete the role",
            back="/admin/roles",
        )
    await changes.delete_role(name, actor=console.actor)
    return redirect("/admin/roles?done=deleted")


@router.post("/groups", response_class=HTMLResponse)
async def create_group(
    console: AdminConsole, name: Annotated[Text, Form(max_length=64)] = "", role_names: Field = ""
) -> Response:
    """Create a group giving these roles."""
    try:
        body = GroupCreate(name=name, roles=role_names.split())
    except ValidationError as exc:
        return console.show(
            "message.html", status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, error=_problems(exc)
        )
    await changes.create_group(name=body.name, role_names=body.roles, actor=console.actor)
    return redirect(f"/admin/groups/{body.name}?done=saved")


@router.get("/groups/{name}", response_class=HTMLResponse)
async def show_group(
    name: Name, console: AdminConsole, done: Annotated[Text, Query(max_length=40)] = ""
) -> Response:
    """A group: its roles and members."""
    return console.show(
        "group.html", notice=NOTICES.get(done), group=await groups.get(name), roles=await roles.every()
    )


@router.post("/groups/{name}/roles", response_class=HTMLResponse)
async def add_group_role(
    name: Name, console: AdminConsole, role: Annotated[Text, Form(max_length=64)]
) -> Response:
    """Make the group give a role."""
    await changes.add_group_role(group=name, role=role, actor=console.actor)
    return redirect(f"/admin/groups/{name}?done=saved")


@router.post("/groups/{name}/roles/{role}/remove", response_class=HTMLResponse)
async def remove_group_role(name: Name, role: Name, console: AdminConsole) -> Response:
    """Stop the group giving a role."""
    await changes.remove_group_role(group=name, role=role, actor=console.actor)
    return redirect(f"/admin/groups/{name}?done=saved")


@router.post("/groups/{name}/members", response_class=HTMLResponse)
async def add_member(
    name: Name, console: AdminConsole, username: Annotated[Text, Form(max_length=150)]
) -> Response:
    """Make a user, named by their username, a member."""
    user = await admin.by_username(username)
    await changes.add_member(group=name, user_id=user.id, actor=console.actor)
    return redirect(f"/admin/groups/{name}?done=saved")


@router.post("/groups/{name}/members/{user_id}/remove", response_class=HTMLResponse)
async def remove_member(name: Name, user_id: UserId, console: AdminConsole) -> Response:
    """Take a user out of the group."""
    await changes.remove_member(group=name, user_id=user_id, actor=console.actor)
    return redirect(f"/admin/groups/{name}?done=saved")


@router.post("/groups/{name}/delete", response_class=HTMLResponse)
async def delete_group(name: Name, console: AdminConsole, confirm: Confirmed = "") -> Response:
    """Delete a group (after a confirmation)."""
    if confirm != "yes":
        return console.confirm(
            title=f"Delete the group {name}",
            question="Its members lose the roles they held through it.",
            action=f"/admin/groups/{name}/delete",
            button="Delete the group",
            back=f"/admin/groups/{name}",
        )
    await changes.delete_group(name, actor=console.actor)
    return redirect("/admin/roles?done=deleted")


@router.post("/users/{user_id}/roles", response_class=HTMLResponse)
async def grant_role(
    user_id: UserId, console: AdminConsole, role: Annotated[Text, Form(max_length=64)]
) -> Response:
    """Grant a user a role directly."""
    await changes.grant(user_id=user_id, role=role, actor=console.actor)
    return redirect(f"/admin/users/{user_id}?done=roles#roles")


@router.post("/users/{user_id}/roles/{role}/revoke", response_class=HTMLResponse)
async def revoke_role(user_id: UserId, role: Name, console: AdminConsole) -> Response:
    """Take a directly granted role from a user."""
    await changes.revoke(user_id=user_id, role=role, actor=console.actor)
    return redirect(f"/admin/users/{user_id}?done=roles#roles")
