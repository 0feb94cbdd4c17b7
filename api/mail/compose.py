"""Mails composed from the templates under `api/templates/mail/`: a plain-text part and an HTML part."""

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from importlib.resources import files
from typing import Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

MailKind = Literal["verify_email", "reset_password", "password_changed", "email_changed", "invitation"]
SUBJECTS: dict[MailKind, str] = {
    "verify_email": "Confirm your e-mail address",
    "reset_password": "Reset your password",
    "password_changed": "Your password was changed",
    "email_changed": "Your e-mail address was changed",
    "invitation": "You are invited to create an account",
}
_templates = Environment(
    loader=FileSystemLoader(str(files("api") / "templates" / "mail")),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class Mail:
    """A composed mail, before it is stored in the outbox."""

    to: str
    subject: str
    text: str
    html: str


def compose(kind: MailKind, *, to: str, public_url: str, **context: str) -> Mail:
    """The mail of this kind for this address; links in `context` are built from PUBLIC_URL by the caller."""
    subject = SUBJECTS[kind]
    values = {"subject": subject, "public_url": public_url, **context}
    text = _templates.get_template(f"{kind}.txt").render(values)
    html = _templates.get_template(f"{kind}.html").render(values)
    return Mail(to=to, subject=subject, text=text, html=html)


def new_message_id(sender: str) -> str:
    """A unique Message-ID in the sender's domain."""
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    return make_msgid(domain=domain)


def message(
    *, sender: str, to: str, subject: str, text: str, html: str, message_id: str, date: datetime
) -> EmailMessage:
    """The MIME message: multipart/alternative with the text part first, as mail clients expect."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(date)
    mail["Message-ID"] = message_id
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    return mail
