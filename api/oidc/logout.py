"""An end-session request checked (RP-Initiated Logout 1.0): whose hint it carries, and where the browser
may go afterwards (only a URI the app registered)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from api.config import Settings
from api.db.models import OAuthClient
from api.errors import InvalidLogoutRequest
from api.oidc import id_tokens
from api.oidc.discovery import issuer
from api.oidc.id_tokens import Hint
from api.services.keyring import KeyRing

CARRIED = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales")


@dataclass(frozen=True, slots=True)
class LogoutRequest:
    """A checked logout request: the hint's user and app, and where to go after (None: our own page)."""

    hint: Hint | None
    client_id: str | None
    client_name: str | None
    redirect: str | None
    # carried through the confirmation page
    parameters: dict[str, str]


async def check(
    parameters: Mapping[str, Sequence[str]], *, keys: KeyRing, settings: Settings, moment: datetime
) -> LogoutRequest:
    """The request, checked; InvalidLogoutRequest for a hint not signed here or not for the named app."""
    single: dict[str, str] = {}
    for name in CARRIED:
        values = parameters.get(name, [])
        if len(values) > 1:
            raise InvalidLogoutRequest(f"The request repeats {name}")
        if values and values[0]:
            single[name] = values[0][:4000]
    hint = None
    if "id_token_hint" in single:
        hint = await id_tokens.read_hint(
            single["id_token_hint"], keys=keys, issuer=issuer(settings), moment=moment
        )
    client_id = single.get("client_id")
    if hint is not None and client_id is not None and client_id != hint.client_id:
        raise InvalidLogoutRequest("The id_token_hint was issued to another app")
    client_id = client_id or (hint.client_id if hint is not None else None)
    client = (
        await OAuthClient.get_or_none(client_id=client_id) if client_id and len(client_id) <= 64 else None
    )
    redirect = None
    wanted = single.get("post_logout_redirect_uri")
    if wanted is not None and client is not None and wanted in (client.post_logout_redirect_uris or []):
        redirect = _with_state(wanted, single.get("state"))
    return LogoutRequest(
        hint=hint,
        client_id=client.client_id if client is not None else None,
        client_name=client.name if client is not None else None,
        redirect=redirect,
        parameters=single,
    )


def _with_state(uri: str, state: str | None) -> str:
    if state is None:
        return uri
    separator = "&" if urlsplit(uri).query else "?"
    return f"{uri}{separator}{urlencode({'state': state})}"
