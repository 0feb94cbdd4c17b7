"""What the app builds at start-up and every request may use."""

from dataclasses import dataclass

from .config import Settings
from .csrf import CsrfTokens
from .passwords import PasswordHasher
from .tokens import TokenCodec


@dataclass(frozen=True, slots=True)
class AppState:
    """The settings, the password hasher, the token codec and the CSRF tokens of one running app."""

    settings: Settings
    hasher: PasswordHasher
    codec: TokenCodec
    csrf: CsrfTokens
