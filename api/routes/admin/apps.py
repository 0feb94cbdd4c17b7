"""The console's apps (registered OAuth2 clients): the list, a new one, its edit form, a new secret and its
deletion; a secret is shown once, on the page that made it."""

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Form, Path, Query, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, ValidationError

from api.administration import apps
from api.core import scopes
from api.routes.admin.console import PAGE_SIZE, AdminConsole, Console, ConsoleRoute, redirect
from api.schemas.clients import ClientCreate, ClientOut, ClientUpdate, GrantType
from api.schemas.common import CLIENT_ID_MAX_LENGTH, Text
from api.services import clients

router = APIRouter(prefix="/admin/apps", include_in_schema=False, route_class=ConsoleRoute)

ClientId = Annotated[Text, Path(max_length=CLIENT_ID_MAX_LENGTH)]
Lines = Annotated[Text, Field(max_length=20000)]
Checkbox = Annotated[Text, Field(max_length=5)]
Confirmed = Annotated[Text, Form(max_length=3)]
GRANT_TYPES = list(get_args(GrantType))
NOTICES = {"saved": "Saved.", "deleted": "App deleted."}


class AppFields(BaseModel):
    """What the app form sends: a word or a line each for the lists, a checkbox sent only when ticked."""

    name: Annotated[Text, Field(max_length=200)] = ""
    grant_types: Annotated[list[Text], Field(max_length=len(GRANT_TYPES))] = []
    scope: Lines = ""
    redirect_uris: Lines = ""
    post_logout_redirect_uris: Lines = ""
    confidential: Checkbox = ""
    require_pkce: Checkbox = ""
    trusted: Checkbox = ""
    id_token_signed_response_alg: Annotated[Text, Field(max_length=8)] = "RS256"
    allowed_roles: Lines = ""
    backchannel_logout_uri: Annotated[Text, Field(max_length=2000)] = ""
    backchannel_logout_session_required: Checkbox = ""

    def body(self) -> dict[str, Any]:
        """The fields in the API's body's words."""
        return {
            "name": self.name,
            "grant_types": self.grant_types,
            "scopes": self.scope.split(),
            "redirect_uris": self.redirect_uris.split(),
            "post_logout_redirect_uris": self.post_logout_redirect_uris.split(),
            "confidential": bool(self.confidential),
            "require_pkce": bool(self.require_pkce),
            "trusted": bool(self.trusted),
            "id_token_signed_response_alg": self.id_token_signed_response_alg,
            "allowed_roles": self.allowed_roles.split() or None,
            "backchannel_logout_uri": self.backchannel_logout_uri.strip() or None,
            "backchannel_logout_session_required": bool(self.backchannel_logout_session_required),
        }


AppForm = Annotated[AppFields, Form()]


def _form(console: Console, *, app: dict[str, Any], error: str | None = None, **context: Any) -> Response:
    return console.show(
        "app_form.html",
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if error else status.HTTP_200_OK,
        app=app,
        error=error,
        grant_types=GRANT_TYPES,
        **{"client_id": None, **context},
    )


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


def _defined(console: Console) -> frozenset[str]:
    return frozenset(scopes.defined(console.state.settings.api_scopes))


@router.get("", response_class=HTMLResponse)
async def list_apps(
    console: AdminConsole,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    done: Annotated[Text, Query(max_length=40)] = "",
) -> Response:
    """The registered apps, oldest first, a page at a time."""
    found, total = await apps.page(limit=PAGE_SIZE, offset=offset)
    return console.show(
        "apps.html",
        notice=NOTICES.get(done),
        apps=[ClientOut.model_validate(app) for app in found],
        previous=f"/admin/apps?offset={max(offset - PAGE_SIZE, 0)}" if offset else None,
        next=f"/admin/apps?offset={offset + PAGE_SIZE}" if offset + PAGE_SIZE < total else None,
    )


@router.get("/new", response_class=HTMLResponse)
async def new_app(console: AdminConsole) -> Response:
    """The form of a new app."""
    return _form(console, app=ClientCreate.model_construct(name="", grant_types=[], scopes=[]).model_dump())


@router.post("/new", response_class=HTMLResponse)
async def register_app(
    console: AdminConsole,
    form: AppForm,
) -> Response:
    """Register an app; the page shows its secret, this once."""
    fields = form.body()
    try:
        body = ClientCreate.model_validate(fields)
    except ValidationError as exc:
        return _form(console, app=fields, error=_problems(exc))
    registered, secret = await apps.register(
        clients.Registration(**body.model_dump()), defined=_defined(console), actor=console.actor
    )
    return console.show("secret.html", app=ClientOut.model_validate(registered), secret=secret, new=True)


@router.get("/{client_id}", response_class=HTMLResponse)
async def show_app(
    client_id: ClientId, console: AdminConsole, done: Annotated[Text, Query(max_length=40)] = ""
) -> Response:
    """One app, in its edit form."""
    app = ClientOut.model_validate(await clients.get(client_id))
    return _form(console, app=app.model_dump(), client_id=client_id, notice=NOTICES.get(done))


@router.post("/{client_id}", response_class=HTMLResponse)
async def update_app(
    client_id: ClientId,
    console: AdminConsole,
    form: AppForm,
) -> Response:
    """Change an app (whether it is confidential stays as registered)."""
    fields = form.body()
    fields.pop("confidential")
    try:
        changes = ClientUpdate.model_validate(fields).model_dump()
    except ValidationError as exc:
        current = ClientOut.model_validate(await clients.get(client_id))
        shown = {**fields, "confidential": current.confidential}
        return _form(console, app=shown, client_id=client_id, error=_problems(exc))
    await apps.update(client_id, changes=changes, defined=_defined(console), actor=console.actor)
    return redirect(f"/admin/apps/{client_id}?done=saved")


@router.post("/{client_id}/secret", response_class=HTMLResponse)
async def new_secret(client_id: ClientId, console: AdminConsole, confirm: Confirmed = "") -> Response:
    """Give a confidential app a new secret (after a confirmation); the page shows it, this once."""
    app = ClientOut.model_validate(await clients.get(client_id))
    if confirm != "yes":
        return console.confirm(
            title="A new secret",
            question=f"Give {app.name} a new secret? The one it uses stops working at once.",
            action=f"/admin/apps/{client_id}/secret",
            button="Make a new secret",
            back=f"/admin/apps/{client_id}",
        )
    secret = await apps.new_secret(client_id, actor=console.actor)
    return console.show("secret.html", app=app, secret=secret, new=False)


@router.post("/{client_id}/delete", response_class=HTMLResponse)
async def delete_app(client_id: ClientId, console: AdminConsole, confirm: Confirmed = "") -> Response:
    """Delete an app (after a confirmation); its tokens stop working at once."""
    if confirm != "yes":
        app = await clients.get(client_id)
        return console.confirm(
            title=f"Delete {app.name}",
            question="The app and every token it holds stop working at once. This cannot be undone.",
            action=f"/admin/apps/{client_id}/delete",
            button="Delete the app",
            back=f"/admin/apps/{client_id}",
        )
    await apps.delete(client_id, actor=console.actor)
    return redirect("/admin/apps?done=deleted")
