"""docs/roles.md: "Guarding a route on a role in another service", run as written against the service."""

import re
from pathlib import Path
from typing import Any

import httpx
from tortoise.timezone import now

from api import bootstrap
from api.db.models import Role, User, UserRole

from .conftest import PASSWORD, make_settings
from .live import Service, running_service

ROLES_DOC = Path(__file__).resolve().parent.parent / "docs" / "roles.md"
_ENV = {"JWT_ALGORITHM": "RS256"}


def documented_app(auth_url: str) -> dict[str, Any]:
    """The docs' example service, pointed at `auth_url`: its module's names (`app`, `jwks`, ...)."""
    section = ROLES_DOC.read_text().split("## Guarding a route on a role in another service", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    source = match.group(1).replace('"https://auth.example.com"', repr(auth_url))
    namespace: dict[str, Any] = {}
    exec(compile(source, "docs/roles.md", "exec"), namespace)  # the docs' own code, nothing added
    return namespace


def access_token(service: Service, username: str, scope: str) -> str:
    response = httpx.post(
        f"{service.url}/token", data={"username": username, "password": PASSWORD, "scope": scope}, timeout=10
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def grant(tmp_path: Path, database_url: str, *, username: str, role: str) -> None:
    """Make the role and grant it, as an administrator would, from this process (the commands are another
    part's)."""
    async with bootstrap.open_database(make_settings(tmp_path, database_url=database_url)):
        await Role.create(name=role, created_at=now())
        await UserRole.create(user=await User.get(username_key=username), role_id=role)


async def test_the_documented_app_lets_in_only_tokens_carrying_the_role(
    tmp_path: Path, fresh_database_url: str
) -> None:
    with running_service(tmp_path, fresh_database_url, extra_env=_ENV) as service:
        for username in ("alice", "bob"):
            registered = httpx.post(
                f"{service.url}/register", json={"username": username, "password": PASSWORD}, timeout=10
            )
            assert registered.status_code == 201, registered.text
        await grant(tmp_path, fresh_database_url, username="alice", role="billing-admin")
        tokens = {
            "with the role": access_token(service, "alice", "profile roles"),
            "without the role": access_token(service, "bob", "profile roles"),
            "without the scope": access_token(service, "alice", "profile"),
            "garbage": "not-a-token",
        }
        example = documented_app(service.url)
        transport = httpx.ASGITransport(app=example["app"])
        async with httpx.AsyncClient(transport=transport, base_url="http://billing") as billing:
            answers = {
                name: await billing.get("/refunds", headers={"Authorization": f"Bearer {token}"})
                for name, token in tokens.items()
            }
    assert answers["with the role"].status_code == 200, answers["with the role"].text
    assert answers["with the role"].json()["for"].isdigit()
    assert answers["without the role"].status_code == 403
    assert answers["without the role"].json() == {"detail": "Needs the billing-admin role"}
    assert answers["without the scope"].status_code == 403
    assert answers["garbage"].status_code == 401
