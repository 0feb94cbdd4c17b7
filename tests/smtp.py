"""A real SMTP server for the tests (aiosmtpd on a free port, in its own thread), and what it received."""

import asyncio
import datetime
import ipaddress
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class Inbox:
    """The mails one server received, in order; safe to read from the test while the server thread writes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []
        self.tls: list[bool] = []

    async def handle_DATA(self, _server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self._messages.append(parsed)
            self.tls.append(session.ssl is not None)
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        """What arrived so far."""
        with self._lock:
            return list(self._messages)

    async def wait_for(self, count: int, *, timeout: float = 15) -> list[EmailMessage]:
        """The first `count` mails, once they are all here (polled; fails after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} mails arrived"
            await asyncio.sleep(0.02)
        return self.messages[:count]

    def wait_for_sync(self, count: int, *, timeout: float = 15) -> list[EmailMessage]:
        """`wait_for` for a test that may not run an event loop of its own (Playwright's sync API has one)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} mails arrived"
            time.sleep(0.02)
        return self.messages[:count]


@contextmanager
def smtp_server(port: int, *, tls: ssl.SSLContext | None = None) -> Iterator[Inbox]:
    """An SMTP server on 127.0.0.1:port until the block ends; with `tls`, STARTTLS offered and required."""
    inbox = Inbox()
    options: dict[str, Any] = {"tls_context": tls, "require_starttls": True} if tls is not None else {}
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def text_part(message: EmailMessage) -> str:
    """The plain-text part of a multipart mail."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text: str = body.get_content()
    return text


def link_in(message: EmailMessage, prefix: str) -> str:
    """The one line of the text part that starts with `prefix` (the link, alone on its line)."""
    lines = [line for line in text_part(message).splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, text_part(message)
    return lines[0]


def self_signed_tls(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context with a certificate for `localhost` made now, and the certificate's file."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file
