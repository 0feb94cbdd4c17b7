"""The command of `python run.py` for other identity providers: add-provider."""

import argparse
import asyncio
import sys

from tortoise.timezone import now

from api.bootstrap import open_database, prepare_schema
from api.config import Settings, get_settings
from api.core.sealing import PROVIDER_SECRETS, Sealer
from api.db import migrator
from api.errors import DomainError
from api.social import providers


async def add_provider(settings: Settings, new: providers.NewProvider) -> str:
    """Register a provider as `POST /identity-providers` does; its name."""
    async with open_database(settings) as secret:
        await prepare_schema(settings)
        added = await providers.register(
            new,
            sealer=Sealer(secret, purpose=PROVIDER_SECRETS),
            moment=now(),
            allow_http=settings.allow_http_providers,
        )
    return added.name


def add_provider_command(args: argparse.Namespace) -> int:
    """`add-provider NAME --issuer URL --client-id ID`: the client secret read from standard input."""
    secret = sys.stdin.readline().strip() if not sys.stdin.isatty() else ""
    new = providers.NewProvider(
        name=args.name,
        display_name=args.display_name or args.name.capitalize(),
        issuer=args.issuer,
        client_id=args.client_id,
        client_secret=secret or None,
        scopes=" ".join(args.scope) if args.scope else providers.DEFAULT_SCOPES,
        link_verified_email=args.link_verified_email,
        create_accounts=not args.no_create_accounts,
    )
    try:
        name = asyncio.run(add_provider(get_settings(), new))
    except (DomainError, migrator.SchemaError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    callback = f"{get_settings().public_url}/login/{name}/callback"
    print(f"provider {name} added; register this redirect URI there: {callback}")
    return 0


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add add-provider to the command line."""
    add = commands.add_parser(
        "add-provider",
        help="add an OpenID Connect provider to sign in with (client secret on standard input)",
        description="Add an OpenID Connect provider users may sign in with; the client secret is read from "
        "standard input (leave it empty for a public client).",
    )
    add.add_argument("name", help="a slug: lower-case letters, digits and dashes")
    add.add_argument("--issuer", required=True, help="the provider's issuer URL (its discovery is checked)")
    add.add_argument("--client-id", required=True, help="this service's client id at the provider")
    add.add_argument("--display-name", help="the button's text: Sign in with …")
    add.add_argument("--scope", nargs="+", help="scopes to ask for (default: openid email profile)")
    add.add_argument(
        "--link-verified-email",
        action="store_true",
        help="link to a local account with the same address when both sides verified it",
    )
    add.add_argument("--no-create-accounts", action="store_true", help="never make a new account")
    add.set_defaults(command=add_provider_command)
