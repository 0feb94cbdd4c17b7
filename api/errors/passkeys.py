"""Errors about passkeys: a ceremony that does not verify, a counter that went back, one not found."""

from http import HTTPStatus

from api.errors.base import DomainError


class InvalidPasskey(DomainError):
    """A passkey ceremony that does not verify: wrong, used or expired challenge, foreign origin or rp id, no
    user verification, an unknown or removed credential, a disabled user."""

    detail = "Invalid passkey"
    oauth_error = "invalid_grant"


class CloneSuspected(InvalidPasskey):
    """A sign-in whose signature counter did not grow: perhaps a copy of the key."""

    def __init__(self, *, user_id: int, passkey_id: str) -> None:
        super().__init__()
        self.user_id = user_id
        self.passkey_id = passkey_id


class PasskeyTaken(DomainError):
    """The credential is registered already."""

    status_code = HTTPStatus.CONFLICT
    detail = "Passkey already registered"


class PasskeyNotFound(DomainError):
    """None of the user's passkeys has this id."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "Passkey not found"
