"""A request body read ahead by a fast path, and replayed to the route when the fast path declines it."""

import re
from urllib.parse import parse_qsl

from starlette.types import Message, Receive

FORM = b"application/x-www-form-urlencoded"
# `name=value&…` with nothing to unescape (a JWT is all such characters): parse_qsl's answer, built directly
_UNRESERVED = rb"[A-Za-z0-9_.~-]"
_PLAIN_PAIRS = re.compile(rb"%s+=%s*(?:&%s+=%s*)*" % ((_UNRESERVED,) * 4))


async def read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    """The whole body, and the messages it came in (to replay them)."""
    messages = []
    chunks = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks), messages


def replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that gives these messages again before the rest of the request's."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def plain_form(body: bytes, *, max_fields: int) -> dict[str, str] | None:
    """A strictly urlencoded form's fields, each named once; None for anything else (the route decides)."""
    if _PLAIN_PAIRS.fullmatch(body):
        pairs = [pair.decode("ascii").partition("=")[::2] for pair in body.split(b"&")]
        if len(pairs) > max_fields:
            return None
        plain = dict(pairs)
        return plain if len(plain) == len(pairs) else None
    return strict_form(body, max_fields=max_fields)


def strict_form(body: bytes, *, max_fields: int) -> dict[str, str] | None:
    """`plain_form`'s answer without the shortcut: strict `parse_qsl`, each field named once."""
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=True, max_num_fields=max_fields
        )
    except (UnicodeDecodeError, ValueError):
        return None
    form = dict(pairs)
    return form if len(form) == len(pairs) else None
