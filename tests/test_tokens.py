"""The token codec on its own: verification is cached, but a cached token still expires on time."""

import time

import pytest

from api.tokens import InvalidToken, TokenCodec

KEY = "k" * 40


def codec(cache_size: int = 4096) -> TokenCodec:
    return TokenCodec(key=KEY, algorithm="HS256", issuer=None, audience=None, cache_size=cache_size)


def test_a_cached_token_is_refused_once_it_expires() -> None:
    tokens = codec()
    token = tokens.issue_access_token(user_id=1, session_id="s", scopes=["profile"], lifetime_seconds=1)
    assert tokens.decode_access_token(token).user_id == 1
    time.sleep(1.1)
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
    forged = TokenCodec(key="x" * 40, algorithm="HS256", issuer=None, audience=None).issue_access_token(
        user_id=1, session_id="s", scopes=["admin"], lifetime_seconds=60
    )
    for _ in range(2):
        with pytest.raises(InvalidToken):
            tokens.decode_access_token(forged)
    assert tokens._verified == {}


def test_csrf_tokens_belong_to_one_session() -> None:
    tokens = codec()
    assert tokens.csrf_token_matches("session-a", tokens.csrf_token("session-a"))
    assert not tokens.csrf_token_matches("session-b", tokens.csrf_token("session-a"))
