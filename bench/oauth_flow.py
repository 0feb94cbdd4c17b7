"""The authorization code flow walked over HTTP as a browser and an app walk it, for the bench's app tokens.

A browser signs in with the login page's form, asks `/authorize` (allowing the consent page when it comes),
and the app exchanges the code with PKCE: the tokens an app really holds, made by the service's own routes.
"""

import base64
import hashlib
import json
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from html import unescape
from http.client import HTTPResponse
from typing import Any

from .seed import PASSWORD

REDIRECT_URI = "https://app.example/callback"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def call(
    url: str, method: str = "GET", *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """A request without following redirects: status, headers (Set-Cookie joined by newlines), body."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        response: HTTPResponse = _OPENER.open(request, timeout=60)
    except urllib.error.HTTPError as exc:
        response = exc  # type: ignore[assignment]
    with response:
        found = {name.lower(): value for name, value in response.getheaders()}
        found["set-cookie"] = "\n".join(response.headers.get_all("set-cookie") or [])
        return response.status, found, response.read()


def form(fields: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def basic(client_id: str, secret: str) -> str:
    """client_secret_basic's header value."""
    joined = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(secret, safe='')}"
    return "Basic " + base64.b64encode(joined.encode()).decode()


class Browser:
    """One person's browser on the service: its cookies, kept by hand (they may be Secure)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies: dict[str, str] = {}

    def request(
        self, path: str, method: str = "GET", body: bytes | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Accept": "text/html", "Origin": self.base_url}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        status, found, content = call(self.base_url + path, method, body=body, headers=headers)
        for line in found["set-cookie"].splitlines():
            name, _, rest = line.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return status, found, content

    def sign_in(self, username: str, password: str) -> None:
        fields = {"grant_type": "password", "username": username, "password": password, "next": "/"}
        status, _, content = self.request("/token", "POST", form(fields))
        if status != 303:
            raise RuntimeError(f"the login form for {username} answered {status}: {content[:200]!r}")

    def code(self, client_id: str, scope: str, challenge: str) -> str:
        """Walk `/authorize`, allowing the consent page: the code the app is sent back with."""
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
            "state": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        status, found, content = self.request("/authorize?" + urllib.parse.urlencode(query))
        if status == 200:
            page = content.decode()
            hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
            fields = {name: unescape(value) for name, value in hidden} | {"decision": "allow"}
            status, found, content = self.request("/authorize", "POST", form(fields))
        location = found.get("location", "")
        if status not in (302, 303) or not location.startswith(REDIRECT_URI):
            raise RuntimeError(f"/authorize answered {status}: {content[:200]!r}")
        return urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]


def app_token(browser: Browser, client_id: str, secret: str, scope: str) -> str:
    """A new access token of the browser's user, issued to the app through the code flow."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = browser.code(client_id, scope, challenge)
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    status, _, content = call(
        browser.base_url + "/token",
        "POST",
        body=form(fields),
        headers={
            "Authorization": basic(client_id, secret),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    if status != 200:
        raise RuntimeError(f"the code exchange answered {status}: {content[:200]!r}")
    return str(json.loads(content)["access_token"])


def password_token(base_url: str, username: str, scope: str) -> str:
    """The password grant's access token for this scope."""
    fields = {"username": username, "password": PASSWORD, "scope": scope}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, content = call(base_url + "/token", "POST", body=form(fields), headers=headers)
    if status != 200:
        raise RuntimeError(f"POST /token for {username} answered {status}: {content[:200]!r}")
    return str(json.loads(content)["access_token"])


def register(base_url: str, username: str) -> None:
    """Register the user (if new)."""
    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    call(base_url + "/register", "POST", body=body, headers={"Content-Type": "application/json"})
