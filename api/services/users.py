"""Accounts: registration, password login, and the user behind a token."""

from tortoise.exceptions import IntegrityError

from .. import usernames
from ..errors import EmailTaken, InactiveUser, InvalidCredentials, UnknownUser, UsernameTaken, WeakPassword
from ..models import User
from ..passwords import MAX_PASSWORD_LENGTH, PasswordHasher, policy_problem


async def register(
    *,
    username: str,
    password: str,
    email: str | None,
    full_name: str | None,
    hasher: PasswordHasher,
    min_password_length: int,
) -> User:
    """Create an account; the database's unique constraints settle simultaneous registrations."""
    if problem := policy_problem(password, username=username, min_length=min_password_length):
        raise WeakPassword(problem)
    key = usernames.lookup_key(username)
    # a taken name or address is answered before paying for a hash
    await _ensure_available(username_key=key, email=email)
    password_hash = await hasher.hash(password)
    try:
        return await User.create(
            username=username,
            username_key=key,
            email=email,
            full_name=full_name,
            password_hash=password_hash,
        )
    except IntegrityError:
        await _ensure_available(username_key=key, email=email)
        raise UsernameTaken from None


async def _ensure_available(*, username_key: str, email: str | None) -> None:
    if await User.filter(username_key=username_key).exists():
        raise UsernameTaken
    if email is not None and await User.filter(email=email).exists():
        raise EmailTaken


async def authenticate(*, username: str, password: str, hasher: PasswordHasher) -> User:
    """The user with this username and password; a bcrypt or outdated hash is replaced on success."""
    if len(password) > MAX_PASSWORD_LENGTH:
        # no account can have such a password: refuse before spending a hash on it
        raise InvalidCredentials
    user = None
    if len(username) <= usernames.MAX_LENGTH:
        user = await User.get_or_none(username_key=usernames.lookup_key(username))
    # an unknown user is verified against a dummy hash, so both answers take the same time
    ok, new_hash = await hasher.verify(password, user.password_hash if user is not None else None)
    if user is None or not ok:
        raise InvalidCredentials
    if new_hash is not None:
        user.password_hash = new_hash
        await user.save(update_fields=["password_hash"])
    if user.disabled:
        raise InactiveUser
    return user


async def user_for_token(user_id: int) -> User:
    """The active user a verified access token names."""
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise UnknownUser
    if user.disabled:
        raise InactiveUser
    return user
