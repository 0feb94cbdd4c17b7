"""Username rules: NFKC form, allowed characters, and the case-insensitive key that makes them unique."""

import unicodedata

MIN_LENGTH = 3
MAX_LENGTH = 150
_PUNCTUATION = frozenset("@.+-_")


def normalize(username: str) -> str:
    """The stored form of a username: NFKC, case kept as typed."""
    return unicodedata.normalize("NFKC", username)


def lookup_key(username: str) -> str:
    """The key under which a username is unique and found at login: NFKC, case-folded."""
    return unicodedata.normalize("NFKC", normalize(username).casefold())


def problem(username: str) -> str | None:
    """Why this (normalized) username is not allowed, or None when it is."""
    if not MIN_LENGTH <= len(username) <= MAX_LENGTH:
        return f"Username must be {MIN_LENGTH} to {MAX_LENGTH} characters long"
    if not all(_allowed(char) for char in username):
        return "Username may contain only letters, digits and @ . + - _"
    return None


def _allowed(char: str) -> bool:
    return char in _PUNCTUATION or unicodedata.category(char) in {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd"}
