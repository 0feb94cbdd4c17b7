"""The OpenAPI document that drives Swagger's Authorize button."""

import httpx


async def test_password_flow_points_at_the_token_url_with_both_scopes(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    scheme = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "token"
    assert set(scheme["flows"]["password"]["scopes"]) == {"profile", "admin"}


async def test_user_me_requires_the_profile_scope(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert schema["paths"]["/user/me"]["get"]["security"] == [{"OAuth2PasswordBearer": ["profile"]}]


async def test_token_endpoint_takes_form_fields(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    body = schema["paths"]["/token"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in body


async def test_docs_page_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "/openapi.json" in response.text
