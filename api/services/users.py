"""Accounts: registration, password login, profile and password changes, deletion."""

from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.exceptions import IntegrityError

from api.config import Settings
from api.core import scopes, usernames
from api.core.passwords import MAX_PASSWORD_LENGTH, PasswordHasher, policy_problem
from api.db.models import User
from api.db.transactions import writing
from api.errors import (
    EmailRequired,
    EmailTaken,
    InactiveUser,
    InvalidCredentials,
    RegistrationClosed,
    UsernameTaken,
    WeakPassword,
    WrongPassword,
)
from api.observability import metrics
from api.services import links, mails, sessions
from api.services.state import AppState


async def self_register(
    *, username: str, password: str, email: str | None, full_name: str | None, state: AppState
) -> User:
    """Registration by the user themself, from the API or the page: refused while registration is closed."""
    if not state.settings.registration_open:
        raise RegistrationClosed
    if state.settings.require_verified_email and email is None:
        raise EmailRequired("An e-mail address is required to register", field="email")

    async def verify_address(user: User) -> None:
        await mails.verification(user, state)

    user = await register(
        username=username,
        password=password,
        email=email,
        full_name=full_name,
        hasher=state.hasher,
        min_password_length=state.settings.password_min_length,
        on_created=verify_address,
    )
    state.delivery.wake()
    metrics.registrations.inc()
    return user


async def register(
    *,
    username: str,
    password: str,
    email: str | None,
    full_name: str | None,
    hasher: PasswordHasher,
    min_password_length: int,
    on_created: Callable[[User], Awaitable[None]] | None = None,
) -> User:
    """Create an account; the database's unique constraints settle simultaneous registrations.

    `on_created` runs in the transaction that creates the account (the verification mail joins it).
    """
    if problem := policy_problem(password, username=username, min_length=min_password_length):
        raise WeakPassword(problem, field="password")
    key = usernames.lookup_key(username)
    # a taken name or address is answered before paying for a hash
    await _ensure_available(username_key=key, email=email)
    password_hash = await hasher.hash(password)
    try:
        async with writing():
            user = await User.create(
                username=username,
                username_key=key,
                email=email,
                full_name=full_name,
                password_hash=password_hash,
            )
            if on_created is not None:
                await on_created(user)
            return user
    except IntegrityError:
        await _ensure_available(username_key=key, email=email)
        raise UsernameTaken from None


async def _ensure_available(*, username_key: str, email: str | None) -> None:
    if await User.filter(username_key=username_key).exists():
        raise UsernameTaken
    if email is not None and await User.filter(email=email).exists():
        raise EmailTaken


async def authenticate(user: User | None, *, password: str, hasher: PasswordHasher) -> User:
    """The user (looked up by the username given) if this is their password; a bcrypt or outdated hash is
    replaced on success."""
    if len(password) > MAX_PASSWORD_LENGTH:
        # no account can have such a password: refuse before spending a hash on it
        raise InvalidCredentials
    # an unknown user is verified against a dummy hash, so both answers take the same time
    ok, new_hash = await hasher.verify(password, user.password_hash if user is not None else None)
    if user is None or not ok:
        raise InvalidCredentials(user.id if user is not None else None)
    if new_hash is not None:
        user.password_hash = new_hash
        await user.save(update_fields=["password_hash"])
    if user.disabled:
        raise InactiveUser
    return user


async def update_profile(user: User, *, changes: dict[str, Any], state: AppState) -> User:
    """The owner's own changes; a new address is unverified, gets a verification, and the old one a notice."""
    old_email, old_verified = user.email, user.email_verified
    if "email" not in changes or changes["email"] == old_email:
        return await update_fields(user, changes={k: v for k, v in changes.items() if k != "email"})
    async with writing():
        await update_fields(user, changes={**changes, "email_verified": False})
        await mails.email_changed(user, old_email=old_email, old_verified=old_verified, state=state)
    state.delivery.wake()
    return user


async def update_fields(user: User, *, changes: dict[str, Any]) -> User:
    """Change some fields of an account; EmailTaken when another account has the new address."""
    email = changes.get("email")
    if email is not None and email != user.email and await User.filter(email=email).exists():
        raise EmailTaken
    for field, value in changes.items():
        setattr(user, field, value)
    try:
        await user.save(update_fields=list(changes))
    except IntegrityError:
        raise EmailTaken from None
    return user


def allowed_scopes(user: User, settings: Settings) -> frozenset[str]:
    """The scopes the user's tokens may hold now (an admin's `admin` only with two-factor, if required)."""
    return scopes.allowed(is_admin=admin_in_force(user, settings))


def still_held(granted: frozenset[str], user: User, settings: Settings) -> frozenset[str]:
    """What a token's scopes still give: `admin` only while the user may have it (an app's token also holds
    the OpenID Connect and API_SCOPES scopes it was granted)."""
    return granted if admin_in_force(user, settings) else granted - {scopes.ADMIN}


def admin_in_force(user: User, settings: Settings) -> bool:
    """Whether the user's tokens may hold `admin` (with two-factor on, under MFA_REQUIRED_FOR_ADMINS)."""
    return user.is_admin and (user.mfa_enabled or not settings.mfa_required_for_admins)


async def check_password(user: User, password: str, hasher: PasswordHasher) -> None:
    """WrongPassword unless `password` is the user's (asked again before a sensitive change)."""
    if len(password) > MAX_PASSWORD_LENGTH or not (await hasher.verify(password, user.password_hash))[0]:
        raise WrongPassword


async def change_password(user: User, *, current_password: str, new_password: str, state: AppState) -> None:
    """Replace the password after checking the current one; every session of the user ends."""
    await check_password(user, current_password, state.hasher)
    await set_password(user, new_password, state=state)


def require_policy(user: User, new_password: str, *, settings: Settings) -> None:
    """WeakPassword (for the `new_password` field) when the new password breaks the policy."""
    if problem := policy_problem(
        new_password, username=user.username, min_length=settings.password_min_length
    ):
        raise WeakPassword(problem, field="new_password")


async def set_password(user: User, new_password: str, *, state: AppState, verified: bool = False) -> None:
    """A new password by any route: every session and every reset link ends, and a notice goes out.

    `verified`: the change came through a link in a mail to the account's address, which proves it.
    """
    require_policy(user, new_password, settings=state.settings)
    user.password_hash = await state.hasher.hash(new_password)
    fields = ["password_hash"]
    if verified and not user.email_verified:
        user.email_verified = True
        fields.append("email_verified")
    async with writing():
        await user.save(update_fields=fields)
        await sessions.end(user_id=user.id, moment=state.clock())
        await links.void_resets(user.id)
        await mails.password_changed(user, state)
    state.delivery.wake()


async def delete_account(user: User, *, password: str, state: AppState) -> None:
    """Delete the account after checking its password; its sessions end (the apps are told) and go with it."""
    await check_password(user, password, state.hasher)
    async with writing():
        await sessions.end(user_id=user.id, moment=state.clock())
        await user.delete()
