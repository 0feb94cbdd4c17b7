"""Schemathesis against our own OpenAPI over real HTTP: no server error, no answer off the schema."""

import os
import subprocess
import sys
from pathlib import Path

import httpx

from .conftest import PASSWORD, SECRET
from .test_workers import _free_port, _start, _stop, _wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "ignored_auth",
    ]
)


def test_fuzzing_the_openapi_finds_no_server_error_and_no_schema_violation(
    tmp_path: Path, fresh_database_url: str
) -> None:
    port = _free_port()
    server = _start(
        [sys.executable, str(ROOT / "run.py"), "--port", str(port)],
        cwd=tmp_path,
        database_url=fresh_database_url,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, server)
        env = {**os.environ, "DATABASE_URL": fresh_database_url, "DATA_DIR": str(tmp_path / "data")}
        env.pop("SECRET_KEY", None)
        created = subprocess.run(
            [sys.executable, str(ROOT / "run.py"), "create-admin", "root"],
            input=PASSWORD + "\n",
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert created.returncode == 0, created.stderr
        token = httpx.post(f"{base_url}/token", data={"username": "root", "password": PASSWORD}).json()[
            "access_token"
        ]
        fuzz = subprocess.run(
            [
                str(Path(sys.executable).parent / "st"),
                "run",
                f"{base_url}/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                CHECKS,
                # logging out would revoke the token the rest of the run relies on; tests cover it
                "--exclude-path",
                "/logout",
                "--max-examples",
                "25",
                "--seed",
                "20261122",
                "--workers",
                "1",
                "--generation-database",
                "none",
                "--phases",
                "examples,coverage,fuzzing",
                "--no-color",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        log = _stop(server)
    assert fuzz.returncode == 0, fuzz.stdout[-6000:]
    assert "Traceback" not in log, log[-4000:]
    assert SECRET not in log and PASSWORD not in log
