"""Passkeys: your own (added with the password, listed, renamed, removed), and the sign-in's options."""

import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Response, status

from api.db.models import Passkey
from api.http import routing
from api.http.deps import CurrentUser, Source, State
from api.observability import audit
from api.passkeys import ceremonies, credentials, sign_in
from api.routes.responses import AUTHENTICATED
from api.schemas.passkeys import (
    CreationOptions,
    PasskeyCreate,
    PasskeyOptionsRequest,
    PasskeyOut,
    PasskeyRename,
    SignInOptions,
    SignInOptionsRequest,
)
from api.services import throttle, users

# /user/me/passkeys/options is POST /user/me/passkeys/options's alone
PASSKEY = routing.segment_except("passkey_id", "options")

router = APIRouter(prefix="/user/me/passkeys", tags=["passkeys"], responses=AUTHENTICATED)
sign_in_router = APIRouter(tags=["passkeys"])

# each options request stores a challenge: an address gets this many a minute
OPTIONS_PER_MINUTE = 30
NOT_FOUND: dict[int | str, dict[str, Any]] = {status.HTTP_404_NOT_FOUND: {"description": "Passkey not found"}}


@router.post(
    "/options",
    response_model=CreationOptions,
    responses={status.HTTP_400_BAD_REQUEST: {"description": "Incorrect password"}},
)
async def creation_options(body: PasskeyOptionsRequest, user: CurrentUser, state: State) -> CreationOptions:
    """Start adding a passkey (your password again): the options for `navigator.credentials.create()`."""
    await users.check_password(user, body.password, state.hasher)
    rp = ceremonies.relying_party(state.settings)
    return CreationOptions(options=await credentials.registration_options(user, rp=rp, moment=state.clock()))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PasskeyOut,
    responses={
        status.HTTP_400_BAD_REQUEST: {"description": "Invalid passkey"},
        status.HTTP_409_CONFLICT: {"description": "Passkey already registered"},
    },
)
async def add_passkey(body: PasskeyCreate, user: CurrentUser, state: State, source: Source) -> Passkey:
    """Keep the passkey the browser just made (its RegistrationResponseJSON)."""
    rp = ceremonies.relying_party(state.settings)
    passkey = await credentials.register(user, body.credential, name=body.name, rp=rp, moment=state.clock())
    audit.record(
        "passkey_added",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user.id,
        passkey=str(passkey.id),
    )
    return passkey


@router.get("", response_model=list[PasskeyOut])
async def list_passkeys(user: CurrentUser) -> list[Passkey]:
    """Your passkeys, oldest first."""
    return await credentials.of_user(user.id)


@router.patch(f"/{PASSKEY}", response_model=PasskeyOut, responses=NOT_FOUND)
async def rename_passkey(passkey_id: uuid.UUID, body: PasskeyRename, user: CurrentUser) -> Passkey:
    """Rename one of your passkeys."""
    return await credentials.rename(user_id=user.id, passkey_id=passkey_id, name=body.name)


@router.delete(f"/{PASSKEY}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def remove_passkey(passkey_id: uuid.UUID, user: CurrentUser, source: Source) -> Response:
    """Remove one of your passkeys: it signs in no more."""
    await credentials.remove(user_id=user.id, passkey_id=passkey_id)
    audit.record(
        "passkey_removed",
        outcome="success",
        ip=source.ip,
        user_agent=source.user_agent,
        user_id=user.id,
        passkey=str(passkey_id),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@sign_in_router.post(
    "/passkeys/login/options",
    response_model=SignInOptions,
    responses={
        status.HTTP_429_TOO_MANY_REQUESTS: {
            "description": "Too many failed logins, or options asked for, from this address; see Retry-After"
        }
    },
)
async def sign_in_options(_body: SignInOptionsRequest, state: State, source: Source) -> SignInOptions:
    """Start signing in with a passkey: options for `navigator.credentials.get()`, and the challenge's id."""
    address = source.ip or "unknown"
    await throttle.check(ip=address, username="")
    await throttle.take(
        "passkey_options",
        address,
        limit=OPTIONS_PER_MINUTE,
        window=timedelta(minutes=1),
        moment=state.clock(),
    )
    started = await sign_in.options(ceremonies.relying_party(state.settings), moment=state.clock())
    return SignInOptions(options=started.options, challenge_id=started.challenge_id)
