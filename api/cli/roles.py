"""The commands of `python run.py` for roles: add-role and grant-role."""

import argparse
import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

from pydantic import ValidationError
from tortoise.timezone import now

from api.bootstrap import open_database, prepare_schema
from api.cli.accounts import CommandError
from api.config import Settings, get_settings
from api.core import usernames
from api.db import migrator
from api.db.models import User
from api.db.transactions import writing
from api.errors import RoleNotFound, RoleTaken
from api.observability import audit
from api.observability.audit import Entry
from api.schemas.roles import RoleCreate
from api.services import roles


async def add_role(settings: Settings, body: RoleCreate) -> str:
    """Create a role as `POST /roles` does; what was done, in words."""
    async with open_database(settings):
        await prepare_schema(settings)
        try:
            async with writing():
                role = await roles.create(name=body.name, description=body.description, moment=now())
                await audit.stored(
                    Entry(event="role_created", outcome="success", ip=None, details={"role": role.name})
                )
        except RoleTaken:
            raise CommandError(f"a role named {body.name} exists") from None
    return f"created role {role.name}"


async def grant_role(settings: Settings, *, username: str, role: str) -> str:
    """Grant a user a role directly, as `PUT /users/{id}/roles/{role}` does; what was done, in words."""
    async with open_database(settings):
        await prepare_schema(settings)
        user = await User.get_or_none(username_key=usernames.lookup_key(usernames.normalize(username)))
        if user is None:
            raise CommandError(f"no user named {username}")
        try:
            async with writing():
                granted = await roles.grant(user_id=user.id, role=role)
                if granted:
                    await audit.stored(
                        Entry(
                            event="role_granted",
                            outcome="success",
                            ip=None,
                            user_id=user.id,
                            details={"role": role},
                        )
                    )
        except RoleNotFound:
            raise CommandError(f"no role named {role} (add it with add-role)") from None
    if not granted:
        return f"{user.username} already has role {role}"
    return f"granted role {role} to {user.username}"


def _run(work: Coroutine[Any, Any, str]) -> int:
    try:
        print(asyncio.run(work))
    except (CommandError, migrator.SchemaError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def add_role_command(args: argparse.Namespace) -> int:
    """`add-role NAME [--description TEXT]`."""
    try:
        body = RoleCreate(name=args.name, description=args.description)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors())
        print(f"error: {problems}", file=sys.stderr)
        return 1
    return _run(add_role(get_settings(), body))


def grant_role_command(args: argparse.Namespace) -> int:
    """`grant-role USERNAME ROLE`."""
    return _run(grant_role(get_settings(), username=args.username, role=args.role))


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add add-role and grant-role to the command line."""
    add = commands.add_parser(
        "add-role",
        help="create a role other apps may authorize on",
        description="Create a role; its name is a slug (a-z, 0-9, then also . _ : -; 64 characters at most).",
    )
    add.add_argument("name")
    add.add_argument("--description", help="what the role lets its holders do")
    add.set_defaults(command=add_role_command)
    grant = commands.add_parser(
        "grant-role",
        help="grant a user a role directly",
        description="Grant an existing user an existing role directly (granting it again changes nothing).",
    )
    grant.add_argument("username")
    grant.add_argument("role")
    grant.set_defaults(command=grant_role_command)
