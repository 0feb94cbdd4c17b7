"""What the app builds at start-up and every request may use."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .answer_cache import AnswerCache
from .config import Settings
from .csrf import CsrfTokens
from .passwords import PasswordHasher
from .sealing import Sealer
from .services.change_feed import ChangeFeed
from .services.delivery import MailDelivery
from .services.keyring import KeyRing
from .tokens import TokenCodec


@dataclass(frozen=True, slots=True)
class AppState:
    """The settings, password hasher, token codec and its keys, CSRF tokens, mail delivery and clock of one
    running app.

    `clock` is "now" for what expires (mail links, throttles) and for the outbox; tests move it forward.
    """

    settings: Settings
    hasher: PasswordHasher
    codec: TokenCodec
    keys: KeyRing
    csrf: CsrfTokens
    # seals TOTP secrets under SECRET_KEY
    totp_sealer: Sealer
    delivery: MailDelivery
    answers: AnswerCache
    # PostgreSQL: the LISTEN connection that hears of changes made on other machines
    feed: ChangeFeed | None
    clock: Callable[[], datetime]
