"""Schemathesis against our own OpenAPI over real HTTP: no server error, no answer off the schema."""

import subprocess
import sys
from pathlib import Path

import httpx

from .conftest import PASSWORD
from .live import create_admin, running_service

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


def _fuzz(base_url: str, token: str, cwd: Path) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
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
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_fuzzing_the_openapi_finds_no_server_error_and_no_schema_violation(
    tmp_path: Path, fresh_database_url: str
) -> None:
    with running_service(tmp_path, fresh_database_url) as service:
        created = create_admin(tmp_path, fresh_database_url, "root", PASSWORD + "\n")
        assert created.returncode == 0, created.stderr
        login = httpx.post(f"{service.url}/token", data={"username": "root", "password": PASSWORD})
        fuzz = _fuzz(service.url, login.json()["access_token"], tmp_path)
    assert fuzz.returncode == 0, fuzz.stdout[-6000:]
    log = service.output
    assert "Traceback" not in log, log[-4000:]
    signing_key = (tmp_path / "data" / "secret.key").read_text().strip()
    assert signing_key not in log and PASSWORD not in log
