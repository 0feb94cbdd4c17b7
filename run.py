"""Command line: `python run.py` serves the API (see `python run.py --help`)."""

import argparse
import asyncio
import copy
import sys
from typing import Any

import uvicorn

from api.bootstrap import prepare_database
from api.config import get_settings


def _log_config() -> dict[str, Any]:
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["api"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def serve(args: argparse.Namespace) -> int:
    """Prepare the database once, then serve with the requested number of workers."""
    # the tables exist before any worker starts, so N workers on an empty database never race
    asyncio.run(prepare_database(get_settings()))
    uvicorn.run(
        "api:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        reload=args.reload,
        log_config=_log_config(),
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the command."""
    parser = argparse.ArgumentParser(prog="python run.py", description="The FastAPI authentication service.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    parser.add_argument("--workers", type=int, default=1, help="number of worker processes (default: 1)")
    parser.add_argument("--reload", action="store_true", help="restart when the code changes (development)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
