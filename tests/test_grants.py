"""The grants' table (api/grants/): one module per grant type, each in the table under its own type, with
the client rules the token endpoint holds it to."""

import importlib
import pkgutil

import httpx

import api.grants
from api.grants import GRANTS
from api.grants.base import ClientRule, Grant
from api.services import clients

_SHARED = {"base", "issuing"}


def test_every_grant_module_is_in_the_table_under_its_own_type() -> None:
    declared: dict[str, Grant] = {}
    for module in pkgutil.iter_modules(api.grants.__path__):
        if module.name not in _SHARED:
            grant = importlib.import_module(f"api.grants.{module.name}").GRANT
            # a URN's module is named after its last part (urn:ietf:params:oauth:grant-type:device_code)
            assert grant.grant_type.rsplit(":", 1)[-1] == module.name
            declared[grant.grant_type] = grant
    assert declared == GRANTS


def test_the_table_holds_every_grant_a_client_may_be_registered_for() -> None:
    assert set(clients.GRANT_TYPES) <= set(GRANTS)


def test_the_second_step_and_a_passkey_are_ways_through_the_password_grant() -> None:
    assert {GRANTS[name].client_grant_type for name in ("password", "mfa_otp", "passkey")} == {"password"}


def test_only_a_confidential_client_gets_its_own_token_and_a_code_needs_a_client() -> None:
    assert GRANTS["client_credentials"].client_rule is ClientRule.CONFIDENTIAL
    assert GRANTS["authorization_code"].client_rule is ClientRule.NAMED
    assert GRANTS["urn:ietf:params:oauth:grant-type:device_code"].client_rule is ClientRule.NAMED
    rules = {GRANTS[name].client_rule for name in ("password", "mfa_otp", "passkey", "refresh_token")}
    assert rules == {ClientRule.ANY}


async def test_a_grant_type_outside_the_table_is_unsupported(client: httpx.AsyncClient) -> None:
    response = await client.post("/token", data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
