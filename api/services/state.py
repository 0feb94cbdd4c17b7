"""What the app builds at start-up and every service may use."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from api.backchannel.delivery import BackchannelDelivery
from api.config import Settings
from api.core.csrf import CsrfTokens
from api.core.jwt import TokenCodec
from api.core.passwords import PasswordHasher
from api.core.sealing import Sealer
from api.mail.delivery import MailDelivery
from api.services.audit_writer import AuditWriter
from api.services.housekeeping import Housekeeping
from api.services.keyring import KeyRing


@dataclass(frozen=True, slots=True)
class AppState:
    """The settings, password hasher, token codec and its keys, CSRF tokens, mail delivery and clock of one
    running app.

    `clock` is "now" for what expires (mail links, throttles) and for the outbox; tests move it forward.
    `housekeeping` is this worker's periodic clean-up; `audit` stores the audit log's events.
    """

    settings: Settings
    hasher: PasswordHasher
    codec: TokenCodec
    keys: KeyRing
    csrf: CsrfTokens
    # seals TOTP secrets under SECRET_KEY
    totp_sealer: Sealer
    # seals other identity providers' client secrets, and the cookie of a sign-in with one of them
    provider_sealer: Sealer
    flow_sealer: Sealer
    delivery: MailDelivery
    # posts the back-channel logouts that ending a session queues
    backchannel: BackchannelDelivery
    clock: Callable[[], datetime]
    audit: AuditWriter
    housekeeping: Housekeeping = field(default_factory=Housekeeping)
