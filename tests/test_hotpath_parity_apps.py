"""Introspection and `GET /userinfo` answered before routing: byte for byte the routes' answers (status,
headers, body), from the database and then from the answer cache, for every kind of token and refusal."""

from pathlib import Path

import httpx

from api.core.jwk import hmac_key_set
from api.core.jwt import TokenCodec

from .app_world import World, world
from .conftest import SECRET, bearer, make_settings, serve
from .oidc import ISSUER, provider
from .test_introspection import basic
from .test_user_me import reissue

Answer = tuple[int, list[tuple[str, str]], bytes]


def _answer(response: httpx.Response) -> Answer:
    return response.status_code, response.headers.multi_items(), response.content


async def _introspections(client: httpx.AsyncClient, w: World) -> list[Answer]:
    url = "/token/introspect"
    form = "application/x-www-form-urlencoded"
    app_auth = basic(w.app.client_id, w.app.secret or "")
    alice = w.tokens["app token"]
    requests = [
        *(
            client.build_request("POST", url, data={"token": token}, headers=w.resource)
            for token in w.tokens.values()
        ),
        client.build_request("POST", url, data={"token": alice}, headers=app_auth),
        client.build_request(
            "POST", url, data={"token": alice, "token_type_hint": "access_token"}, headers=w.resource
        ),
        # wrong client, or none
        client.build_request("POST", url, data={"token": alice}, headers=basic(w.resource_id, "wrong")),
        client.build_request("POST", url, data={"token": alice}, headers=basic("nobody", w.resource_secret)),
        client.build_request("POST", url, data={"token": alice}),
        client.build_request("POST", url, data={"token": alice}, headers={"Authorization": "Basic !!!"}),
        client.build_request(
            "POST", url, data={"token": alice, "client_id": w.resource_id, "client_secret": w.resource_secret}
        ),
        client.build_request("POST", url, data={"token": alice, "client_id": "other"}, headers=w.resource),
        # malformed bodies
        client.build_request("POST", url, data={"token": ""}, headers=w.resource),
        client.build_request("POST", url, data={"token_type_hint": "access_token"}, headers=w.resource),
        client.build_request(
            "POST", url, content=f"token={alice}&token=x", headers={**w.resource, "Content-Type": form}
        ),
        client.build_request("POST", url, content=b"token=%ff", headers={**w.resource, "Content-Type": form}),
        client.build_request("POST", url, json={"token": alice}, headers=w.resource),
    ]
    return [_answer(await client.send(request)) for request in requests]


async def _userinfos(client: httpx.AsyncClient, w: World) -> list[Answer]:
    headers = [
        *(bearer(token) for token in w.tokens.values()),
        {},
        {"Authorization": "Bearer "},
        w.resource,
        {"Cookie": f"auth_token={w.tokens['app token']}"},
    ]
    return [_answer(await client.get("/userinfo", headers=each)) for each in headers]


async def test_introspection_and_userinfo_answer_as_their_routes_byte_for_byte(
    tmp_path: Path, fresh_database_url: str
) -> None:
    async with provider(tmp_path, database_url=fresh_database_url) as p:
        w = await world(p)
    settings = make_settings(tmp_path, public_url=ISSUER, database_url=fresh_database_url)
    # alice's own token made again with our key: once as it was, once expired; and her app token tampered with
    codec = TokenCodec(keys=hmac_key_set(SECRET), issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    alice = w.tokens["app token"]
    w.tokens["reissued"] = reissue(codec, alice)
    w.tokens["expired"] = reissue(codec, alice, lifetime_seconds=-60)
    header, payload, signature = alice.split(".")
    w.tokens["forged"] = f"{header}.{payload}.{signature[::-1]}"
    answers: dict[bool, list[list[Answer]]] = {}
    for fast in (True, False):
        async with serve(settings, base_url=ISSUER, me_fast_path=fast) as (_, client):
            # twice: the second answers come from the caches
            rounds = [await _introspections(client, w) + await _userinfos(client, w) for _ in range(2)]
            answers[fast] = rounds
    route = answers[False][0]
    assert answers[False][1] == route
    assert answers[True][0] == route
    assert answers[True][1] == route
    introspected = {name: route[index][2] for index, name in enumerate(w.tokens)}
    assert (
        b'"active":true' in introspected["app token"]
        and b'"roles":["billing","support"]' in introspected["app token"]
    )
    assert b'"active":true' in introspected["reissued"]
    for name in (
        "consent revoked",
        "user disabled",
        "logged out",
        "malformed",
        "garbage",
        "expired",
        "forged",
    ):
        assert introspected[name] == b'{"active":false}', name
    statuses = [status for status, _, _ in route]
    assert statuses[len(w.tokens) + 2 : len(w.tokens) + 8] == [401, 401, 401, 401, 200, 400]
    userinfo = route[-len(w.tokens) - 4 :]
    assert userinfo[0][0] == 200 and b'"roles":["billing","support"]' in userinfo[0][2]
    # alice's, her refresh token, her email, no openid (the app's, her own), consent revoked, carol
    # disabled, logged out, a client's, malformed, garbage, reissued (no openid), expired, forged; no token,
    # an empty one, Basic, the cookie (which /userinfo does not read)
    assert [status for status, _, _ in userinfo] == [
        *[200, 401, 200, 403, 403, 401, 400, 401, 403, 401, 401],
        *[403, 401, 401, 401, 401, 401, 401],
    ]
