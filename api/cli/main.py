"""The command line behind `python run.py`: serve (the default), migrate, create-admin, rotate-keys,
create-client, add-provider, add-role and grant-role."""

import argparse
import asyncio
import copy
import sys
from typing import Any

import uvicorn

from api.bootstrap import prepare_database
from api.cli import oauth, providers, roles
from api.cli.accounts import create_admin_command, migrate_command
from api.config import Settings, get_settings
from api.db import migrator
from api.observability import metrics

_LINE = "%(levelname)s:     %(message)s"


def _log_config() -> dict[str, Any]:
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    # uvicorn's formatters copy every record to colour it, which cost each request more than writing the
    # line: these give the same text, uncoloured (and the access line's status without its phrase)
    for formatter in config["formatters"].values():
        formatter.clear()
        formatter["format"] = _LINE
    config["loggers"]["api"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def serve(args: argparse.Namespace) -> int:
    """Prepare the database once, then serve with the requested number of workers."""
    _share_metrics_between_processes(args, get_settings())
    # the schema is current before any worker starts, so N workers on an empty database never race
    try:
        for name in asyncio.run(prepare_database(get_settings())):
            print(f"applied migration {name}")
    except migrator.SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    uvicorn.run(
        "api:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        reload=args.reload,
        log_config=_log_config(),
        access_log=args.access_log,
        # the app reads X-Forwarded-For itself, and only from TRUSTED_PROXIES
        proxy_headers=False,
    )
    return 0


def _share_metrics_between_processes(args: argparse.Namespace, settings: Settings) -> None:
    # uvicorn starts the workers (and the reloader's server) as fresh processes, and prometheus_client
    # picks its storage when each imports it: the folder must be named before they start
    if settings.metrics_token is not None and (args.workers > 1 or args.reload):
        metrics.share_between_processes(settings.data_dir / "metrics")


def _add_serve_options(parser: argparse.ArgumentParser, *, with_defaults: bool) -> None:
    # the `serve` subcommand repeats the options without defaults, so it never overrides ones given before it
    def default(value: object) -> object:
        return value if with_defaults else argparse.SUPPRESS

    parser.add_argument(
        "--host", default=default("127.0.0.1"), help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=default(8000), help="port to listen on (default: 8000)")
    parser.add_argument("--workers", type=int, default=default(1), help="worker processes (default: 1)")
    parser.add_argument(
        "--reload",
        action="store_true",
        default=default(False),
        help="restart when the code changes (development)",
    )
    parser.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        default=default(True),
        help="no line per request (about a quarter more throughput; the audit log stays)",
    )


def parser() -> argparse.ArgumentParser:
    """The argument parser; `serve` is the default command, so `python run.py --workers 4` works."""
    main = argparse.ArgumentParser(prog="python run.py", description="The FastAPI authentication service.")
    _add_serve_options(main, with_defaults=True)
    main.set_defaults(command=serve)
    commands = main.add_subparsers(title="commands", metavar="COMMAND")
    serve_command = commands.add_parser("serve", help="serve the API (the default)")
    _add_serve_options(serve_command, with_defaults=False)
    serve_command.set_defaults(command=serve)
    migrate = commands.add_parser(
        "migrate",
        help="apply pending schema migrations",
        description="Apply pending migrations (a 0.1.0 database is adopted first); idempotent.",
    )
    migrate.add_argument(
        "--check", action="store_true", help="apply nothing; exit 1 when any migration is pending"
    )
    migrate.set_defaults(command=migrate_command)
    create = commands.add_parser(
        "create-admin",
        help="create an admin, or promote an existing user",
        description="Create an admin (the password is asked twice, or read from standard input), "
        "or promote an existing user.",
    )
    create.add_argument("username")
    create.set_defaults(command=create_admin_command)
    oauth.add_commands(commands)
    providers.add_commands(commands)
    roles.add_commands(commands)
    return main


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the command."""
    cli = parser()
    args = cli.parse_args(argv)
    if args.workers < 1:
        cli.error("--workers must be at least 1")
    result: int = args.command(args)
    return result
