"""An authorization request (`GET /authorize`): its parameters read and checked, in the order that decides
how a refusal is told (a page until the client and its redirect URI are known, a redirect after)."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from api.core import redirect_uris, scopes
from api.db.models import OAuthClient
from api.errors import (
    AuthorizationRefused,
    ClientNotAllowed,
    RequestObjectRefused,
    ScopeRefused,
    UnsupportedResponseType,
    UnverifiedRedirect,
)

AUTHORIZATION_CODE = "authorization_code"
PROMPTS = frozenset({"none", "login", "consent"})
# RFC 7636 section 4.2: BASE64URL(SHA256(verifier)) is 43 characters
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
# the parameters a request carries on through the login and consent pages; any other is ignored
CARRIED = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "login_hint",
)
_MAX_LENGTHS = {"state": 2000, "nonce": 500, "login_hint": 320, "scope": 1000}


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """A checked authorization request: its client and redirect URI verified, everything else valid."""

    client: OAuthClient
    redirect_uri: str
    scopes: frozenset[str]
    state: str | None
    nonce: str | None
    code_challenge: str | None
    prompt: frozenset[str]
    max_age: int | None
    login_hint: str | None
    # the request's own parameters (those it carries on), to ask again after the login or consent page
    parameters: dict[str, str]


@dataclass(frozen=True, slots=True)
class Destination:
    """Where refusals go once the redirect URI is verified: the URI and the request's `state`."""

    redirect_uri: str
    state: str | None


def destination(parameters: Mapping[str, Sequence[str]], client: OAuthClient | None) -> Destination:
    """The client's verified redirect URI (UnverifiedRedirect: a page, never a redirect)."""
    if client is None:
        raise UnverifiedRedirect("Unknown client: check the app's client_id")
    redirect_uri = _single(parameters, "redirect_uri", page=True)
    if redirect_uri is None:
        raise UnverifiedRedirect("The request has no redirect_uri")
    # a native app (a public client) listens on whatever loopback port is free; a confidential client's
    # redirect URI is a server's, so its port is part of it
    if not redirect_uris.matches(
        client.redirect_uris, redirect_uri, any_loopback_port=not client.confidential
    ):
        raise UnverifiedRedirect("The redirect_uri is not one the app registered")
    values = parameters.get("state", [])
    return Destination(redirect_uri=redirect_uri, state=values[0] if len(values) == 1 else None)


def client_id_of(parameters: Mapping[str, Sequence[str]]) -> str:
    """The request's one `client_id` (UnverifiedRedirect without it)."""
    client_id = _single(parameters, "client_id", page=True)
    if not client_id:
        raise UnverifiedRedirect("The request has no client_id")
    return client_id


def check(
    parameters: Mapping[str, Sequence[str]], *, client: OAuthClient, redirect_uri: str
) -> AuthorizationRequest:
    """The request, checked; AuthorizationRefused (told to the app by redirect) for what is wrong."""
    if "request" in parameters or "request_uri" in parameters:
        raise RequestObjectRefused
    single = {name: _single(parameters, name) for name in CARRIED}
    for name, limit in _MAX_LENGTHS.items():
        if len(single[name] or "") > limit:
            raise AuthorizationRefused(f"{name} is longer than {limit} characters")
    if not single["response_type"]:
        raise AuthorizationRefused("response_type is required")
    if single["response_type"] != "code":
        raise UnsupportedResponseType
    if AUTHORIZATION_CODE not in client.grant_types.split():
        raise ClientNotAllowed
    wanted = frozenset((single["scope"] or "").split())
    if not wanted:
        raise AuthorizationRefused("scope is required")
    if beyond := wanted - frozenset(client.scopes.split()):
        raise ScopeRefused(f"Scope not allowed for this app: {scopes.render(beyond)}")
    challenge = _challenge(single["code_challenge"], single["code_challenge_method"], client=client)
    # without PKCE the id_token's nonce is what binds the code to the browser, and only `openid` brings one
    if challenge is None and (not single["nonce"] or scopes.OPENID not in wanted):
        raise AuthorizationRefused("code_challenge, or openid with a nonce, is required (PKCE, S256)")
    prompt = frozenset((single["prompt"] or "").split())
    if unknown := prompt - PROMPTS:
        raise AuthorizationRefused(f"Unsupported prompt: {' '.join(sorted(unknown))}")
    if "none" in prompt and len(prompt) > 1:
        raise AuthorizationRefused("prompt=none cannot be combined with other values")
    return AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        scopes=wanted,
        state=single["state"],
        nonce=single["nonce"] or None,
        code_challenge=challenge,
        prompt=prompt,
        max_age=_max_age(single["max_age"]),
        login_hint=single["login_hint"] or None,
        parameters={name: value for name, value in single.items() if value is not None},
    )


def _challenge(challenge: str | None, method: str | None, *, client: OAuthClient) -> str | None:
    if challenge is None:
        if method is not None:
            raise AuthorizationRefused("code_challenge_method without code_challenge")
        if client.require_pkce:
            raise AuthorizationRefused("code_challenge is required (PKCE, S256)")
        return None
    if method != "S256":
        raise AuthorizationRefused("code_challenge_method must be S256")
    if not _S256_CHALLENGE.fullmatch(challenge):
        raise AuthorizationRefused("code_challenge must be 43 base64url characters (S256)")
    return challenge


def _max_age(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        raise AuthorizationRefused("max_age must be a number of seconds")
    return int(value)


def _single(parameters: Mapping[str, Sequence[str]], name: str, *, page: bool = False) -> str | None:
    values = parameters.get(name, [])
    if len(values) > 1:
        if page:
            raise UnverifiedRedirect(f"The request repeats {name}")
        raise AuthorizationRefused(f"{name} is repeated")
    return values[0] or None if values else None
