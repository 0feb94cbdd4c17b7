"""The token codec on its own: what it signs is standard JWS, and verification is cached, but a cached token
still expires on time."""

import time
from typing import Any

import jwt as pyjwt
import pytest
from jose import jwt as jose_jwt
from jwt import PyJWK

from api.core.jwk import KeySet, hmac_key_set, new_private_key, public_jwk, signer, verifier
from api.core.jwt import InvalidToken, TokenCodec

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
    assert len(tokens._verified) == 0


@pytest.mark.parametrize("algorithm", ["HS256", "RS256", "ES256"])
def test_issued_tokens_are_what_jose_encodes_and_pyjwt_verifies(algorithm: str) -> None:
    if algorithm == "HS256":
        keys = hmac_key_set(KEY)
        public: Any = KEY
    else:
        private = new_private_key(algorithm)
        jwk = public_jwk(private, algorithm)
        key = signer(private, kid=jwk["kid"], algorithm=algorithm)
        keys = KeySet(signer=key, verifiers={key.kid: verifier(jwk)})
        public = PyJWK(jwk).key
    assert keys.signer is not None
    token = TokenCodec(keys=keys, issuer="https://auth.example", audience=None).issue_access_token(
        user_id=7, session_id="s", scopes=["profile", "admin"], lifetime_seconds=60
    )
    claims = pyjwt.decode(token, public, algorithms=[algorithm], issuer="https://auth.example")
    assert claims["sub"] == "7" and claims["scope"] == "admin profile" and claims["exp"] - claims["iat"] == 60
    header = {"typ": "at+jwt", "kid": keys.signer.kid}
    assert pyjwt.get_unverified_header(token) == {**header, "alg": algorithm}
    by_jose = jose_jwt.encode(claims, keys.signer.key, algorithm=algorithm, headers=header)
    # ECDSA signatures are randomised: the signed part is what compares
    assert token.rsplit(".", 1)[0] == by_jose.rsplit(".", 1)[0]
    if algorithm != "ES256":
        assert token == by_jose
