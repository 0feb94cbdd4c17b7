"""The fast paths' form reading: the shortcut for plain `name=value` pairs answers as parse_qsl does."""

import itertools
from urllib.parse import parse_qsl

from api.hotpath.bodies import plain_form

PIECES = ["token", "=", "&", "a.b-c_d~", "%20", "+", "é", "", "hint", "=="]


def careful(body: bytes, *, max_fields: int) -> dict[str, str] | None:
    """The answer with no shortcut: strict parse_qsl, each field named once."""
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=True, max_num_fields=max_fields
        )
    except (UnicodeDecodeError, ValueError):
        return None
    form = dict(pairs)
    return form if len(form) == len(pairs) else None


def test_every_short_body_reads_as_parse_qsl_reads_it() -> None:
    bodies = {
        "".join(parts).encode() for size in range(1, 5) for parts in itertools.product(PIECES, repeat=size)
    }
    assert len(bodies) > 5_000
    for body in bodies:
        for max_fields in (1, 2, 3):
            assert plain_form(body, max_fields=max_fields) == careful(body, max_fields=max_fields), body


def test_a_token_alone_is_read_without_unescaping() -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl-_"
    assert plain_form(f"token={token}&token_type_hint=access_token".encode(), max_fields=2) == {
        "token": token,
        "token_type_hint": "access_token",
    }
