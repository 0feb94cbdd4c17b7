"""The console's signing keys: each with its algorithm, state and dates, and a rotate button."""

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from api.administration import keys
from api.routes.admin.console import AdminConsole, ConsoleRoute, redirect
from api.schemas.common import Text

router = APIRouter(prefix="/admin/keys", include_in_schema=False, route_class=ConsoleRoute)


@router.get("", response_class=HTMLResponse)
async def list_keys(console: AdminConsole, done: Annotated[Text, Query(max_length=40)] = "") -> Response:
    """The signing keys, newest first (never a private part)."""
    return console.show(
        "keys.html",
        keys=await keys.every(moment=console.state.clock()),
        notice="A new key signs from now on; the earlier ones verify until their tokens expire."
        if done == "rotated"
        else None,
        symmetric=not console.state.keys.asymmetric,
    )


@router.post("/rotate", response_class=HTMLResponse)
async def rotate(console: AdminConsole, confirm: Annotated[Text, Form(max_length=3)] = "") -> Response:
    """Make a new signing key current (after a confirmation)."""
    if confirm != "yes":
        return console.confirm(
            title="Rotate the signing keys",
            question="A new key signs from now on; the current one still verifies until its tokens expire.",
            action="/admin/keys/rotate",
            button="Rotate",
            back="/admin/keys",
        )
    await keys.rotate(console.state.keys, actor=console.actor)
    return redirect("/admin/keys?done=rotated")
