"""The console's other identity providers: the list, a new one (its discovery document checked), its flags
and its removal."""

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, status
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.administration import providers as managed
from api.routes.admin.console import AdminConsole, ConsoleRoute, redirect
from api.schemas.common import Text
from api.schemas.social import ProviderCreate, ProviderOut
from api.social import providers

router = APIRouter(prefix="/admin/identity-providers", include_in_schema=False, route_class=ConsoleRoute)

Name = Annotated[Text, Path(max_length=40)]
Short = Annotated[Text, Form(max_length=500)]
Checkbox = Annotated[Text, Form(max_length=5)]
NOTICES = {"added": "Provider added.", "saved": "Saved.", "removed": "Provider removed."}


async def _page(
    console: AdminConsole, *, notice: str | None = None, error: str | None = None, **shown: str
) -> Response:
    return console.show(
        "providers.html",
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if error else status.HTTP_200_OK,
        providers=[ProviderOut.model_validate(row) for row in await providers.every()],
        notice=notice,
        error=error,
        shown=shown,
    )


@router.get("", response_class=HTMLResponse)
async def list_providers(console: AdminConsole, done: Annotated[Text, Query(max_length=40)] = "") -> Response:
    """Every provider, and the form of a new one."""
    return await _page(console, notice=NOTICES.get(done))


@router.post("", response_class=HTMLResponse)
async def add_provider(
    console: AdminConsole,
    name: Annotated[Text, Form(max_length=40)] = "",
    display_name: Annotated[Text, Form(max_length=100)] = "",
    issuer: Short = "",
    client_id: Short = "",
    client_secret: Annotated[str, Form(max_length=2000)] = "",
    scopes: Short = "openid email profile",
    link_verified_email: Checkbox = "",
    create_accounts: Checkbox = "",
) -> Response:
    """Add an OpenID Connect provider; its discovery document is fetched and checked first."""
    try:
        body = ProviderCreate(
            name=name,
            display_name=display_name,
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret or None,
            scopes=scopes,
            link_verified_email=bool(link_verified_email),
            create_accounts=bool(create_accounts),
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        # the secret is never sent back to the page
        return await _page(console, error=problems, name=name, display_name=display_name, issuer=issuer)
    await managed.add(providers.NewProvider(**body.model_dump()), state=console.state, actor=console.actor)
    return redirect("/admin/identity-providers?done=added")


@router.post("/{name}/flags", response_class=HTMLResponse)
async def set_flags(
    name: Name, console: AdminConsole, link_verified_email: Checkbox = "", create_accounts: Checkbox = ""
) -> Response:
    """Change a provider's flags."""
    await managed.set_flags(
        name,
        link_verified_email=bool(link_verified_email),
        create_accounts=bool(create_accounts),
        actor=console.actor,
    )
    return redirect("/admin/identity-providers?done=saved")


@router.post("/{name}/delete", response_class=HTMLResponse)
async def remove_provider(
    name: Name, console: AdminConsole, confirm: Annotated[Text, Form(max_length=3)] = ""
) -> Response:
    """Remove a provider (after a confirmation); the identities linked to it go too."""
    provider = await providers.get(name)
    if confirm != "yes":
        return console.confirm(
            title=f"Remove {provider.display_name}",
            question="Nobody signs in with it any more, and the identities linked to it are forgotten.",
            action=f"/admin/identity-providers/{name}/delete",
            button="Remove the provider",
            back="/admin/identity-providers",
        )
    await managed.remove(name, actor=console.actor)
    return redirect("/admin/identity-providers?done=removed")
