"""The commands of `python run.py` for the token side: rotate-keys and create-client."""

import argparse
import asyncio
import sys

from pydantic import ValidationError
from tortoise.timezone import now

from api.bootstrap import key_ring, open_database, prepare_schema
from api.cli.accounts import CommandError
from api.config import Settings, get_settings
from api.core import jwk, scopes
from api.core.jwt import TokenCodec
from api.db import migrator
from api.errors import ClientMisconfigured
from api.observability import audit
from api.observability.audit import Entry
from api.schemas.clients import ClientCreate
from api.services import clients


async def rotate_keys(settings: Settings) -> str:
    """Make a new signing key current for every worker, for each algorithm in use; what was done, in words."""
    async with open_database(settings) as secret:
        await prepare_schema(settings)
        codec = TokenCodec(keys=jwk.NO_KEYS, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
        ring = key_ring(settings, secret=secret, codec=codec, clock=now)

        async def recorded(kid: str) -> None:
            await audit.stored(Entry(event="key_rotation", outcome="success", ip=None, details={"kid": kid}))

        kids = await ring.rotate(recorded=recorded)
    lines = [f"new signing key {kid} is current" for kid in kids]
    if settings.jwt_algorithm not in jwk.ASYMMETRIC:
        lines.append(
            "access tokens are HS256, whose key is SECRET_KEY: set a new SECRET_KEY to replace it "
            "(every access token then stops working)"
        )
    return "\n".join([*lines, "the earlier keys verify until their tokens expire"])


def rotate_keys_command(_args: argparse.Namespace) -> int:
    """`rotate-keys`: a new signing key, current at once everywhere."""
    try:
        print(asyncio.run(rotate_keys(get_settings())))
    except (CommandError, migrator.SchemaError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


async def create_client(settings: Settings, body: ClientCreate) -> tuple[str, str | None]:
    """Register a client as `POST /clients` does; its id and secret."""
    async with open_database(settings):
        await prepare_schema(settings)
        try:
            client, secret = await clients.register(
                clients.Registration(**body.model_dump()),
                defined=frozenset(scopes.defined(settings.api_scopes)),
                moment=now(),
            )
        except ClientMisconfigured as exc:
            raise CommandError(str(exc)) from None
    return client.client_id, secret


def create_client_command(args: argparse.Namespace) -> int:
    """`create-client NAME --grant G --scope S...`: prints the id and the secret, shown this once."""
    grant_types = args.grant or ["client_credentials"]
    scope_names = args.scope
    if not scope_names and {clients.AUTHORIZATION_CODE, clients.DEVICE_CODE} & set(grant_types):
        # an app that signs users in: who they are, their name and address, and staying signed in if it may
        scope_names = ["openid", "profile", "email"]
        if "refresh_token" in grant_types:
            scope_names.append("offline_access")
    try:
        body = ClientCreate(
            name=args.name,
            grant_types=grant_types,
            scopes=scope_names,
            redirect_uris=args.redirect_uri,
            confidential=not args.public,
            post_logout_redirect_uris=args.post_logout_redirect_uri,
            backchannel_logout_uri=args.backchannel_logout_uri,
            trusted=args.trusted,
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors())
        print(f"error: {problems}", file=sys.stderr)
        return 1
    try:
        client_id, secret = asyncio.run(create_client(get_settings(), body))
    except (CommandError, migrator.SchemaError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"client_id: {client_id}")
    if secret is not None:
        print(f"client_secret: {secret}")
        print("the secret is shown this once: keep it now")
    return 0


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add rotate-keys and create-client to the command line."""
    rotate = commands.add_parser(
        "rotate-keys",
        help="make a new signing key current (RS256, ES256)",
        description="Make a new signing key current at once; earlier keys verify until their tokens expire.",
    )
    rotate.set_defaults(command=rotate_keys_command)
    create = commands.add_parser(
        "create-client",
        help="register an OAuth2 client and print its id and secret",
        description="Register an OAuth2 client; its secret is printed this once.",
    )
    create.add_argument("name")
    create.add_argument(
        "--grant",
        action="append",
        choices=clients.GRANT_TYPES,
        help="a grant type it may use; repeat for more (default: client_credentials)",
    )
    create.add_argument(
        "--scope",
        nargs="+",
        action="extend",
        default=[],
        help="scopes it may hold (authorization_code, device_code: openid profile email; offline_access with "
        "refresh)",
    )
    create.add_argument("--redirect-uri", action="append", default=[], help="a redirect URI; repeat for more")
    create.add_argument(
        "--post-logout-redirect-uri",
        action="append",
        default=[],
        help="where /end-session may send the browser after a logout; repeat for more",
    )
    create.add_argument(
        "--backchannel-logout-uri", help="where a logout token is posted when a session it signed in ends"
    )
    create.add_argument("--public", action="store_true", help="a public client: no secret (PKCE required)")
    create.add_argument("--trusted", action="store_true", help="a first-party app: no consent page")
    create.set_defaults(command=create_client_command)
