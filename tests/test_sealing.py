"""Sealing secrets under SECRET_KEY: each purpose and each row opens only its own."""

import base64

import pytest

from api.core.sealing import SIGNING_KEYS, Sealer, Unreadable

from .conftest import SECRET


def test_a_sealed_value_opens_for_its_secret_purpose_and_context_only() -> None:
    sealed = Sealer(SECRET, purpose=SIGNING_KEYS).seal(b"private", context="row-1")
    assert b"private" not in base64.b64decode(sealed)
    assert Sealer(SECRET, purpose=SIGNING_KEYS).open(sealed, context="row-1") == b"private"
    attempts: list[tuple[Sealer, str, str]] = [
        (Sealer("another-secret-key-" + "x" * 32, purpose=SIGNING_KEYS), sealed, "row-1"),
        (Sealer(SECRET, purpose=b"another purpose"), sealed, "row-1"),
        (Sealer(SECRET, purpose=SIGNING_KEYS), sealed, "row-2"),
        (Sealer(SECRET, purpose=SIGNING_KEYS), sealed[:-4] + "AAAA", "row-1"),
        (Sealer(SECRET, purpose=SIGNING_KEYS), "not base64!", "row-1"),
    ]
    for sealer, text, context in attempts:
        with pytest.raises(Unreadable):
            sealer.open(text, context=context)


def test_sealing_twice_gives_two_texts() -> None:
    sealer = Sealer(SECRET, purpose=SIGNING_KEYS)
    assert sealer.seal(b"same", context="row") != sealer.seal(b"same", context="row")
