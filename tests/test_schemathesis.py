"""Schemathesis against our own OpenAPI over real HTTP: no server error, and the document tells the truth
(statuses, content types, headers, bodies, `Allow` on 405, what it says is accepted and refused)."""

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
        "negative_data_rejection",
        "positive_data_acceptance",
        "missing_required_header",
        "unsupported_method",
        "allow_header_conformance",
        "ignored_auth",
    ]
)
# which operations are left out, and the refusals that depend on the server's state, each with its reason
CONFIG = Path(__file__).parent / "schemathesis.toml"


def _fuzz(base_url: str, token: str, cwd: Path) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "st"),
            "--config-file",
            str(CONFIG),
            "run",
            f"{base_url}/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
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
