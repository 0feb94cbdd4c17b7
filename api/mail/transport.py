"""How a mail leaves: over SMTP (`SMTP_URL`), or, in development, into the log and `DATA_DIR/mail/`."""

import asyncio
import logging
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

logger = logging.getLogger("api.mail")
_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class DeliveryFailed(Exception):
    """The mail could not be handed over; it stays in the outbox for a later try."""


class Transport(Protocol):
    """Something that delivers one message or raises DeliveryFailed."""

    async def send(self, message: EmailMessage) -> None:
        """Deliver the message."""


class SmtpTransport:
    """SMTP through aiosmtplib: plain (STARTTLS when offered), STARTTLS required, or implicit TLS."""

    def __init__(self, url: str, *, timeout: float) -> None:
        parts = urlsplit(url)
        self._host = parts.hostname or "localhost"
        self._port = parts.port or _DEFAULT_PORTS[parts.scheme]
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._implicit_tls = parts.scheme == "smtps"
        # None: STARTTLS when the server offers it; True: refuse to go on without it
        self._start_tls: bool | None = True if parts.scheme == "smtp+starttls" else None
        self._timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._implicit_tls,
                start_tls=False if self._implicit_tls else self._start_tls,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


class FileTransport:
    """Development: each mail into `folder` as an `.eml` file, and its text part (links too) into the log."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    async def send(self, message: EmailMessage) -> None:
        name = str(message["Message-ID"]).strip("<>").replace("/", "_") + ".eml"
        await asyncio.to_thread(self._write, self._folder / name, bytes(message))
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        logger.info("mail to %s: %s (%s)\n%s", message["To"], message["Subject"], self._folder / name, text)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
