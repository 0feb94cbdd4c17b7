"""The device flow's user codes (RFC 8628 section 6.1): what a person reads on a TV and types on a phone;
pure.

Eight letters of twenty consonants: no vowels, so no words, and no look-alikes (no 0/O, 1/I/L pair: digits
are left out altogether, and so are A E I O U Y). 20^8 is about 2^34.6: guessing is stopped by the limit on
wrong codes, not by the length.
"""

import secrets

ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
LENGTH = 8
_LETTERS = frozenset(ALPHABET)


def new_user_code() -> str:
    """A fresh user code, as stored: eight letters without the dash."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    """A stored user code as a person reads it: `XXXX-XXXX`."""
    half = LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def normalized(typed: str) -> str | None:
    """What a person typed, as stored (case, dashes and spaces ignored); None when it cannot be a code."""
    letters = "".join(char for char in typed.upper() if char not in "- \t")
    if len(letters) != LENGTH or not set(letters) <= _LETTERS:
        return None
    return letters
