"""The OpenAPI document that drives Swagger's Authorize button."""

from pathlib import Path

import httpx

from .conftest import make_settings, serve


async def test_password_flow_points_at_the_token_url_with_the_users_scopes(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    scheme = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "token"
    assert set(scheme["flows"]["password"]["scopes"]) == {"profile", "admin", "roles"}


async def test_user_me_requires_the_profile_scope(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert schema["paths"]["/user/me"]["get"]["security"] == [{"OAuth2PasswordBearer": ["profile"]}]


async def test_token_endpoint_takes_form_fields(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    body = schema["paths"]["/token"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in body


async def test_docs_page_loads_swagger_from_this_service_without_inline_script(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert 'data-openapi-url="/openapi.json"' in response.text
    assert "cdn" not in response.text.lower() and "https://" not in response.text
    assert "<script>" not in response.text  # every script has a src
    assert "script-src 'self'" in response.headers["content-security-policy"]
    for asset in (
        "/static/swagger-ui/swagger-ui-bundle.js",
        "/static/swagger-ui/swagger-ui.css",
        "/static/docs.js",
    ):
        assert (await client.get(asset)).status_code == 200, asset


async def test_api_scopes_are_listed_in_the_openapi_scheme_and_the_metadata(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path, api_scopes="billing:read billing:write")) as (_, client):
        schema = (await client.get("/openapi.json")).json()
        metadata = (await client.get("/.well-known/oauth-authorization-server")).json()
    scopes = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["scopes"]
    assert set(scopes) == {"profile", "admin", "roles", "billing:read", "billing:write"}
    assert metadata["scopes_supported"] == [
        "admin",
        "billing:read",
        "billing:write",
        "email",
        "offline_access",
        "openid",
        "profile",
        "roles",
    ]
    assert metadata["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ]


async def test_a_405_lists_every_method_the_path_answers(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path)) as (_, client):
        response = await client.request("OPTIONS", "/users/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PATCH, DELETE"


async def test_a_method_a_spelled_out_path_lacks_is_405_not_a_templates_422(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path)) as (_, client):
        users_me = await client.patch("/users/me", json={})
        options = await client.patch("/user/me/passkeys/options", json={"name": "x"})
    assert (users_me.status_code, users_me.headers["allow"]) == (405, "GET")
    assert (options.status_code, options.headers["allow"]) == (405, "POST")


async def test_the_pages_that_share_an_api_path_are_documented(tmp_path: Path) -> None:
    async with serve(make_settings(tmp_path)) as (_, client):
        paths = (await client.get("/openapi.json")).json()["paths"]
    for path in (
        "/register",
        "/forgot-password",
        "/reset-password",
        "/verify-email",
        "/authorize",
        "/end-session",
    ):
        assert set(paths[path]) == {"get", "post"}, path
