"""Redirect URIs: which a client may register (RFC 9700, RFC 8252), and which a request may name."""

import re
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "[::1]", "localhost"})
# RFC 8252 section 7.3: a native app listens on whatever port is free, on a loopback IP literal
_LOOPBACK_IPS = frozenset({"127.0.0.1", "[::1]"})
# RFC 8252 section 7.1: a private-use scheme is a reversed domain name, so it holds a dot
_PRIVATE_SCHEME = re.compile(r"[a-z][a-z0-9+-]*\.[a-z0-9+.-]*[a-z0-9]")
MAX_LENGTH = 2000


def problem(uri: str) -> str | None:
    """Why `uri` may not be registered as a redirect URI, or None when it may."""
    if len(uri) > MAX_LENGTH:
        return f"a redirect URI is at most {MAX_LENGTH} characters"
    if "#" in uri:
        return "a redirect URI has no fragment"
    if "*" in uri:
        return "a redirect URI has no wildcard"
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in uri):
        return "a redirect URI has no spaces or control characters"
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 -- urlsplit checks the port only when it is read
    except ValueError:
        return "a redirect URI must be a valid URL"
    scheme = parts.scheme.lower()
    if scheme == "https":
        return None if parts.hostname else "an https redirect URI needs a host"
    if scheme == "http":
        if _host(uri) in LOOPBACK_HOSTS:
            return None
        return "http:// is allowed only on a loopback host (127.0.0.1, [::1], localhost); use https://"
    if _PRIVATE_SCHEME.fullmatch(scheme) and not parts.netloc:
        return None
    return (
        "a redirect URI is https://, http:// on a loopback host, "
        "or a private-use scheme such as com.example.app:/callback"
    )


def logout_uri_problem(uri: str) -> str | None:
    """Why `uri` may not be registered as a back-channel logout URI (https, or http on a loopback host, no
    fragment), or None when it may."""
    if len(uri) > MAX_LENGTH:
        return f"a logout URI is at most {MAX_LENGTH} characters"
    if "#" in uri or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in uri):
        return "a logout URI has no fragment, spaces or control characters"
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 -- urlsplit checks the port only when it is read
    except ValueError:
        return "a logout URI must be a valid URL"
    if parts.scheme.lower() == "https" and parts.hostname:
        return None
    if parts.scheme.lower() == "http" and _host(uri) in LOOPBACK_HOSTS:
        return None
    return "a logout URI is https://, or http:// on a loopback host (127.0.0.1, [::1], localhost)"


def matches(registered: list[str], presented: str, *, any_loopback_port: bool) -> bool:
    """Whether `presented` is one of `registered`: the same string, or, with `any_loopback_port` (a public
    client: RFC 8252 section 7.3), the same loopback IP redirect URI on another port."""
    if presented in registered:
        return True
    if not any_loopback_port:
        return False
    loose = _without_loopback_port(presented)
    return loose is not None and any(_without_loopback_port(uri) == loose for uri in registered)


def _host(uri: str) -> str:
    netloc = urlsplit(uri).netloc.rpartition("@")[2].lower()
    if netloc.startswith("["):
        return netloc[: netloc.find("]") + 1]
    return netloc.partition(":")[0]


def _without_loopback_port(uri: str) -> str | None:
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "http" or "@" in parts.netloc or _host(uri) not in _LOOPBACK_IPS:
        return None
    host = _host(uri)
    if port is None and parts.netloc != host:
        return None
    return parts._replace(netloc=host).geturl()
