"""Start-up work done once per process, or once before several workers start."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.timezone import now

from api.backchannel.delivery import BackchannelDelivery
from api.config import Settings
from api.core import jwk
from api.core.csrf import CsrfTokens
from api.core.jwt import TokenCodec
from api.core.passwords import PasswordHasher, build_context, common_passwords
from api.core.sealing import PROVIDER_SECRETS, SIGN_IN_FLOWS, TOTP_SECRETS, Sealer
from api.db import changes, migrator
from api.db.connection import database_config, sqlite_folder
from api.hotpath.answer_cache import AnswerCache
from api.hotpath.change_counters import COUNTER_FILE, ChangeCounters
from api.hotpath.change_feed import Announcer, ChangeFeed
from api.mail.delivery import MailDelivery
from api.mail.transport import FileTransport, SmtpTransport, Transport
from api.observability import audit, metrics
from api.oidc import id_tokens
from api.oidc.discovery import issuer
from api.secret_key import resolve_secret_key
from api.services import mails
from api.services.audit_writer import AuditWriter
from api.services.keyring import KeyRing
from api.services.state import AppState

_SQLITE_ENGINE = "tortoise.backends.sqlite"


def ensure_storage(settings: Settings) -> str:
    """Create the SQLite folder and the signing key when missing; the signing key."""
    if (folder := sqlite_folder(settings.database_url)) is not None:
        folder.mkdir(parents=True, exist_ok=True)
    return resolve_secret_key(settings)


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[str]:
    """The storage created and Tortoise connected for a command outside the app's lifespan; the secret key.

    What the command's writes change is announced to every worker when it is done, as a request's is.
    """
    secret = ensure_storage(settings)
    await Tortoise.init(config=database_config(settings))
    # the command's audit events are stored when it is done
    writer = AuditWriter(clock=now, retention=timedelta(days=settings.audit_retention_days))
    audit.attach(writer)
    try:
        async with tracking_changes(settings):
            yield secret
    finally:
        audit.detach(writer)
        await writer.stop()
        await Tortoise.close_connections()


async def prepare_database(settings: Settings) -> list[str]:
    """Create the storage, bring the schema up to date (per AUTO_MIGRATE) and make the first signing key;
    the migrations applied."""
    async with open_database(settings) as secret:
        applied = await prepare_schema(settings)
        await key_ring(settings, secret=secret, codec=_codec(settings, secret), clock=now).prepare()
        return applied


async def prepare_schema(settings: Settings) -> list[str]:
    """Apply pending migrations (AUTO_MIGRATE=true) or refuse while any is pending; the ones applied."""
    if settings.auto_migrate:
        return await migrator.upgrade()
    await migrator.require_current()
    return []


def build_state(settings: Settings, *, clock: Callable[[], datetime] = now) -> AppState:
    """The settings, hasher, token codec, CSRF tokens and mail delivery that requests use."""
    key = ensure_storage(settings)
    codec = _codec(settings, key)
    context = build_context(
        memory_kib=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
    )
    hasher = PasswordHasher(
        context,
        max_concurrency=settings.hash_concurrency,
        observe=metrics.password_hash_seconds.observe if settings.metrics_token is not None else None,
    )
    common_passwords()  # loaded now, not by the first registration on the event loop
    delivery = MailDelivery(transport=_transport(settings), sender=settings.mail_from, clock=clock)
    keys = key_ring(settings, secret=key, codec=codec, clock=clock)
    state = AppState(
        settings=settings,
        hasher=hasher,
        codec=codec,
        keys=keys,
        csrf=CsrfTokens(key),
        totp_sealer=Sealer(key, purpose=TOTP_SECRETS),
        provider_sealer=Sealer(key, purpose=PROVIDER_SECRETS),
        flow_sealer=Sealer(key, purpose=SIGN_IN_FLOWS),
        delivery=delivery,
        backchannel=BackchannelDelivery(
            signer_for=partial(id_tokens.signer_for, keys=keys),
            issuer=issuer(settings),
            give_up_after=timedelta(hours=settings.backchannel_logout_retry_hours),
            clock=clock,
        ),
        clock=clock,
        audit=AuditWriter(clock=clock, retention=timedelta(days=settings.audit_retention_days)),
    )
    delivery.prepare = partial(mails.reset_link, state=state)
    return state


def _codec(settings: Settings, secret: str) -> TokenCodec:
    # RS256 and ES256 keys come from the database once it is ready (KeyRing.prepare)
    asymmetric = settings.jwt_algorithm in jwk.ASYMMETRIC
    return TokenCodec(
        keys=jwk.NO_KEYS if asymmetric else jwk.hmac_key_set(secret),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )


def key_ring(settings: Settings, *, secret: str, codec: TokenCodec, clock: Callable[[], datetime]) -> KeyRing:
    """The signing keys of this process, kept in `codec`."""
    return KeyRing(
        codec=codec,
        algorithm=settings.jwt_algorithm,
        secret=secret,
        token_lifetime=timedelta(minutes=settings.access_token_expire_minutes),
        clock=clock,
    )


def changes_counter_path(settings: Settings) -> Path:
    """The shared change counters: beside a SQLite file (whoever opens it shares it), else in DATA_DIR."""
    connection = expand_db_url(settings.database_url)
    if connection["engine"] == _SQLITE_ENGINE and sqlite_folder(settings.database_url) is not None:
        return Path(f"{connection['credentials']['file_path']}.changes")
    return settings.data_dir / COUNTER_FILE


def answer_cache(settings: Settings) -> tuple[AnswerCache, ChangeFeed | None]:
    """The `GET /user/me` answer cache, and on PostgreSQL the feed of other machines' changes."""
    feeds: list[ChangeFeed] = []
    cache = AnswerCache(
        ChangeCounters(changes_counter_path(settings)),
        max_age_seconds=settings.answer_cache_seconds,
        # on PostgreSQL, only while this worker hears of other machines' changes
        enabled=lambda: all(feed.listening for feed in feeds),
    )
    if expand_db_url(settings.database_url)["engine"] == "tortoise.backends.asyncpg":
        feeds.append(ChangeFeed(cache.counters))
    return cache, (feeds[0] if feeds else None)


@asynccontextmanager
async def tracking_changes(settings: Settings) -> AsyncIterator[None]:
    """Writes outside a request (a command) announced to every worker once they are done, as requests do."""
    counters = ChangeCounters(changes_counter_path(settings))
    try:
        async with changes.tracking(Announcer(counters)):
            yield
    finally:
        counters.close()


def _transport(settings: Settings) -> Transport | None:
    if settings.smtp_url is None and expand_db_url(settings.database_url)["engine"] != _SQLITE_ENGINE:
        # a shared database: its outbox is for the nodes that can send mail, not for this node's folder
        return None
    if settings.smtp_url is None:
        # development: nothing to install, and every link can be followed from the log or the file
        return FileTransport(settings.data_dir / "mail")
    return SmtpTransport(settings.smtp_url.get_secret_value(), timeout=settings.smtp_timeout_seconds)
