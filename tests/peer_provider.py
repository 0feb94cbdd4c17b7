"""panva's oidc-provider (OpenID Certified), run by node as a real provider on loopback (tests/peers/): its
packages installed with `npm ci` on first use; skipped where node or npm is missing, failed under CI."""

import fcntl
import json
import os
import re
import select
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from .live import free_port

PEER_DIR = Path(__file__).resolve().parent / "peers" / "oidc-provider"
# the service's client ids at the provider, and their secrets
CLIENTS = {
    "service-under-test": "plain-secret-0123456789",
    # what RFC 6749 2.3.1 makes a client form-urlencode before Basic: a colon, a percent, a space, a plus
    "service-with-odd-secret": "s3cret: 100% sure+certain",
}


@dataclass
class Peer:
    """A running provider: its issuer URL, and the people it knows (added while it runs)."""

    url: str
    accounts_file: Path

    def add(self, account_id: str, **claims: Any) -> None:
        """Someone who can sign in there by name, and the claims the provider has of them."""
        accounts = json.loads(self.accounts_file.read_text())
        accounts[account_id] = claims
        written = self.accounts_file.with_suffix(".tmp")
        written.write_text(json.dumps(accounts))
        written.replace(self.accounts_file)


def require_node(peer_dir: Path = PEER_DIR, package: str = "oidc-provider") -> None:
    """A node peer's packages (by default the provider's), installed once in `peer_dir` (`npm ci` under a
    lock: test runs may start together)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"node and npm are needed to run {package} (tests/peers/{peer_dir.name})")
        pytest.skip(f"node or npm is not installed: {package} cannot run")
    with (peer_dir / ".npm-ci.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (peer_dir / "node_modules" / package).is_dir():
            installed = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"],
                cwd=peer_dir,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert installed.returncode == 0, installed.stderr


@contextmanager
def running_peer(folder: Path, *, redirect_uris: list[str], id_token_claims: bool) -> Iterator[Peer]:
    """The provider on a free loopback port, with this service as its confidential clients (`CLIENTS`,
    `client_secret_basic`); `id_token_claims` puts the claims in the id_token too."""
    require_node()
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    peer = Peer(url=f"http://127.0.0.1:{port}", accounts_file=folder / "accounts.json")
    peer.accounts_file.write_text("{}")
    clients = [
        {"client_id": client_id, "client_secret": secret, "redirect_uris": redirect_uris}
        for client_id, secret in CLIENTS.items()
    ]
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENTS": json.dumps(clients),
        "ACCOUNTS": str(peer.accounts_file),
        "ID_TOKEN_CLAIMS": "true" if id_token_claims else "false",
    }
    with (folder / "provider.log").open("wb") as log:
        process = subprocess.Popen(
            ["node", "provider.mjs"],
            cwd=PEER_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,
        )
    try:
        assert process.stdout is not None
        # it prints one line once it listens
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline().decode() if ready else ""
        assert line.startswith("listening"), (folder / "provider.log").read_text()
        yield peer
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


async def sign_in_there(browser: httpx.AsyncClient, authorize_url: str, *, login: str, back_to: str) -> str:
    """At the provider: its development sign-in (anyone, by name) and consent, followed over HTTP; the URL it
    sends the browser back to (starting with `back_to`)."""
    response = await browser.get(authorize_url)
    for _ in range(12):
        if "location" in response.headers:
            target = urljoin(str(response.url), response.headers["location"])
            if target.startswith(back_to):
                return target
            response = await browser.get(target)
            continue
        assert response.status_code == 200, response.text
        action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
        assert action is not None, response.text
        if 'name="login"' in response.text:
            form = {"prompt": "login", "login": login, "password": "any"}
        else:
            form = {"prompt": "consent"}
        response = await browser.post(urljoin(str(response.url), action.group(1)), data=form)
    raise AssertionError(f"the provider never sent the browser back: {response.status_code} {response.text}")
