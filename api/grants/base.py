"""What a grant is: its type, its client rules and its handler, and the plain input the handler takes."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from api.db.models import OAuthClient
from api.grants.issuing import IssuedTokens
from api.observability import audit
from api.services.sessions import RequestSource
from api.services.state import AppState


@dataclass(frozen=True, slots=True)
class TokenFields:
    """The token endpoint's form fields a grant reads (client credentials and page fields aside)."""

    grant_type: str | None = None
    username: str | None = None
    password: str | None = None
    otp: str | None = None
    mfa_token: str | None = None
    refresh_token: str | None = None
    code: str | None = None
    redirect_uri: str | None = None
    code_verifier: str | None = None
    challenge_id: str | None = None
    credential: str | None = None
    scope: str | None = None
    device_code: str | None = None


@dataclass(frozen=True, slots=True)
class GrantInput:
    """Everything a grant's handler works from: the form, the client (authenticated per the grant's rules,
    None if no client was named), where the request came from, and the app's state."""

    fields: TokenFields
    client: OAuthClient | None
    source: RequestSource
    state: AppState


class ClientRule(Enum):
    """Who may ask for a grant."""

    # anyone: a public client names itself, a confidential one proves it, or no client at all
    ANY = "any"
    # a client must be named (a public client) or proven (a confidential one)
    NAMED = "named"
    # a confidential client, proven by its secret
    CONFIDENTIAL = "confidential"


Handler = Callable[[GrantInput], Awaitable[IssuedTokens]]


@dataclass(frozen=True, slots=True)
class Grant:
    """One grant type: who may use it, and what it does."""

    grant_type: str
    client_rule: ClientRule
    # the grant type a client must be registered for to use it (the second step and a passkey are other
    # ways through the password grant's login)
    client_grant_type: str
    # its audit log line and metrics' event
    event: audit.Event
    handle: Handler
