"""Two-factor codes: TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps) and recovery codes; pure.

A TOTP code is accepted for the current step or one step either side (clock drift), and only for a step
later than the last one accepted, so a code that worked once never works again.
"""

import hashlib
import hmac
import io
import secrets

import pyotp
import segno

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
RECOVERY_CODES = 10
# 16 base32 letters, 80 random bits: far beyond guessing, so a SHA-256 of each is a safe way to keep them
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 16


def new_secret() -> str:
    """A fresh TOTP secret: 160 random bits in base32, as authenticator apps take it."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The `otpauth://` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(
        secret, digits=DIGITS, interval=STEP_SECONDS, issuer=issuer, name=account
    ).provisioning_uri()


def qr_svg(uri: str) -> str:
    """The URI as a QR code in SVG, made here (no external service, no script)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", scale=5, border=2, xmldecl=False, svgclass="qr", lineclass=None
    )
    return buffer.getvalue().decode()


def step_at(moment: float) -> int:
    """The TOTP time step of a Unix time."""
    return int(moment) // STEP_SECONDS


def matching_step(secret: str, code: str, *, moment: float, after: int | None) -> int | None:
    """The time step `code` is valid for (now, or one step off), later than `after`; None when none is."""
    candidate = code.strip().replace(" ", "")
    if len(candidate) != DIGITS or not candidate.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = step_at(moment)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), candidate):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten fresh recovery codes, written `xxxx-xxxx-xxxx-xxxx`."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[index : index + 4] for index in range(0, _RECOVERY_LENGTH, 4)))
    return codes


def recovery_code_digest(code: str) -> str:
    """What is kept of a recovery code: the SHA-256 of its letters, ignoring case, spaces and dashes."""
    letters = "".join(char for char in code.lower() if char.isalnum())
    return hashlib.sha256(letters.encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    """Whether `code` has a recovery code's length (rather than a TOTP code's)."""
    return len("".join(char for char in code if char.isalnum())) == _RECOVERY_LENGTH
