"""The bare baseline: a FastAPI app with `GET /ping`, served the way run.py serves the service.

`python -m bench.bare_app --port P` runs uvicorn in-process with one worker, uvicorn's default logging
and access log (as run.py), so the difference with `GET /user/me` is the service's own work.
"""

import argparse
import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI(title="bare", openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/ping")
async def ping() -> dict[str, bool]:
    """Nothing but the framework: routing, a handler and JSON."""
    return {"ok": True}


def main(argv: list[str] | None = None) -> int:
    """Serve the bare app on 127.0.0.1."""
    parser = argparse.ArgumentParser(prog="python -m bench.bare_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    uvicorn.run("bench.bare_app:app", host=args.host, port=args.port, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
