"""The token codec on its own: verification is cached, but a cached token still expires on time."""

import time

import pytest

from api.signing import hmac_key_set
from api.tokens import InvalidToken, TokenCodec

KEY = "k" * 40


def codec(cache_size: int = 4096) -> TokenCodec:
    return TokenCodec(keys=hmac_key_set(KEY), issuer=None, audience=None, cache_size=cache_size)


def test_a_cached_token_is_refused_once_it_expires() -> None:
    moment = [time.time()]
    tokens = TokenCodec(keys=hmac_key_set(KEY), issuer=None, audience=None, clock=lambda: moment[0])
    token = tokens.issue_access_token(user_id=1, session_id="s", scopes=["profile"], lifetime_seconds=60)
    assert tokens.decode_access_token(token).user_id == 1
    assert tokens.decode_access_token(token).user_id == 1  # from the cache
    moment[0] += 61
    with pytest.raises(InvalidToken):
        tokens.decode_access_token(token)


def test_the_cache_holds_at_most_its_size() -> None:
    tokens = codec(cache_size=2)
    issued = [
        tokens.issue_access_token(user_id=n, session_id="s", scopes=["profile"], lifetime_seconds=60)
        for n in range(5)
    ]
    for token in issued:
        tokens.decode_access_token(token)
    assert len(tokens._verified) == 2
    # evicted tokens are verified again, not refused
    assert tokens.decode_access_token(issued[0]).user_id == 0


def test_a_forged_token_is_never_cached() -> None:
    tokens = codec()
    forged = TokenCodec(keys=hmac_key_set("x" * 40), issuer=None, audience=None).issue_access_token(
        user_id=1, session_id="s", scopes=["admin"], lifetime_seconds=60
    )
    for _ in range(2):
        with pytest.raises(InvalidToken):
            tokens.decode_access_token(forged)
    assert tokens._verified == {}
