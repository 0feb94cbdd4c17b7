"""The fast paths' form reading: the shortcut for plain `name=value` pairs reads as strict parse_qsl."""

import itertools

from api.hotpath.bodies import plain_form, strict_form

PIECES = ["token", "=", "&", "a.b-c_d~", "%20", "+", "é", "", "hint", "=="]


def test_every_short_body_reads_as_parse_qsl_reads_it() -> None:
    bodies = {
        "".join(parts).encode() for size in range(1, 5) for parts in itertools.product(PIECES, repeat=size)
    }
    assert len(bodies) > 5_000
    for body in bodies:
        for max_fields in (1, 2, 3):
            assert plain_form(body, max_fields=max_fields) == strict_form(body, max_fields=max_fields), body


def test_a_token_alone_is_read_without_unescaping() -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl-_"
    assert plain_form(f"token={token}&token_type_hint=access_token".encode(), max_fields=2) == {
        "token": token,
        "token_type_hint": "access_token",
    }
