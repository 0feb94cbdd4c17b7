"""The commands of `python run.py` besides serving: migrate and create-admin."""

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable

from api.bootstrap import build_state, open_database, prepare_schema
from api.config import Settings, get_settings
from api.core import usernames
from api.db import migrator
from api.db.models import User
from api.errors import WeakPassword
from api.services import users


async def _migrate(settings: Settings, *, check: bool) -> int:
    async with open_database(settings):
        if check:
            names = await migrator.pending()
            for name in names:
                print(f"pending: {name}")
            print("the schema is behind" if names else "the schema is up to date")
            return 1 if names else 0
        names = await migrator.upgrade()
        for name in names:
            print(f"applied migration {name}")
        print("the schema is up to date")
        return 0


def migrate_command(args: argparse.Namespace) -> int:
    """`migrate [--check]`: apply pending migrations, or only list them (exit 1 when any is pending)."""
    try:
        return asyncio.run(_migrate(get_settings(), check=args.check))
    except migrator.SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def read_password() -> str:
    """The new password: asked twice without echo on a terminal, else the first line of standard input."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != password:
        raise CommandError("The two passwords differ")
    return password


class CommandError(Exception):
    """A command cannot do what was asked; the message says why."""


async def create_admin(settings: Settings, username: str, password_reader: Callable[[], str]) -> str:
    """Create an administrator, or promote an existing user; what was done, in words."""
    normalized = usernames.normalize(username)
    if problem := usernames.problem(normalized):
        raise CommandError(problem)
    async with open_database(settings):
        await prepare_schema(settings)
        return await _make_admin(normalized, password_reader, settings=settings)


async def _make_admin(username: str, password_reader: Callable[[], str], *, settings: Settings) -> str:
    state = build_state(settings)
    try:
        user = await User.get_or_none(username_key=usernames.lookup_key(username))
        if user is not None:
            user.is_admin = True
            await user.save(update_fields=["is_admin"])
            return f"{user.username} is now an admin" + (
                " (the account is disabled)" if user.disabled else ""
            )
        try:
            user = await users.register(
                username=username,
                password=password_reader(),
                email=None,
                full_name=None,
                hasher=state.hasher,
                min_password_length=settings.password_min_length,
            )
        except WeakPassword as exc:
            raise CommandError(str(exc)) from None
        user.is_admin = True
        await user.save(update_fields=["is_admin"])
        return f"created admin {user.username}"
    finally:
        state.hasher.close()


def create_admin_command(args: argparse.Namespace) -> int:
    """`create-admin USERNAME`: the password from the terminal (twice) or standard input."""
    try:
        print(asyncio.run(create_admin(get_settings(), args.username, read_password)))
    except (CommandError, migrator.SchemaError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
