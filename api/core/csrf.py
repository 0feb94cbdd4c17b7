"""CSRF tokens for cookie-authenticated forms: an HMAC of the session id, so nothing is stored; pure."""

import base64
import hashlib
import hmac


class CsrfTokens:
    """Makes and checks the CSRF token of a session with one secret key."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def for_session(self, session_id: str) -> str:
        """A session's CSRF token; it ends with the session, since a new session has a new id."""
        mac = hmac.new(self._key, f"csrf:{session_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def matches(self, session_id: str, candidate: str) -> bool:
        """Whether a submitted token belongs to this session (compared in constant time)."""
        return hmac.compare_digest(self.for_session(session_id), candidate)
