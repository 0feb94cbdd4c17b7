"""RFC 6749's error answers at the token endpoint, and the refusal of a grant in either form."""

from dataclasses import dataclass

from fastapi import status
from fastapi.responses import JSONResponse

from api.errors import DomainError
from api.schemas.tokens import OAuthError

# RFC 6749 section 5.1: token answers must not be cached
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth_error(
    error: str,
    description: str,
    status_code: int = status.HTTP_400_BAD_REQUEST,
    headers: dict[str, str] | None = None,
    extra: dict[str, str] | None = None,
) -> JSONResponse:
    """An RFC 6749 error answer, with FastAPI's `detail` beside `error` (and `extra` fields, an mfa_token)."""
    body = OAuthError(error=error, error_description=description, detail=description).model_dump()
    return JSONResponse(
        {**body, **(extra or {})}, status_code=status_code, headers={**NO_STORE, **(headers or {})}
    )


@dataclass
class Refusal(Exception):
    """Why a token request is refused, whether the answer is JSON or the login page again."""

    error: str
    description: str
    status_code: int = status.HTTP_400_BAD_REQUEST
    extra_headers: dict[str, str] | None = None
    # fields of the RFC 6749 body besides `error`: the mfa_token of a login that needs a second factor
    extra: dict[str, str] | None = None

    @classmethod
    def of(cls, exc: DomainError) -> "Refusal":
        """A failed grant's refusal, as its domain error declares it."""
        return cls(
            exc.oauth_error, exc.message, exc.status_code, exc.headers or None, exc.oauth_extra or None
        )

    @property
    def headers(self) -> dict[str, str]:
        """Headers that go with the refusal in either form."""
        return {**NO_STORE, **(self.extra_headers or {})}

    def as_json(self) -> JSONResponse:
        """The API client's answer: RFC 6749's error body (400, 401 invalid_client, 403 mfa_required), or
        FastAPI's `detail` for 429 and other 403s."""
        if self.extra or self.status_code in (status.HTTP_400_BAD_REQUEST, status.HTTP_401_UNAUTHORIZED):
            return oauth_error(self.error, self.description, self.status_code, self.extra_headers, self.extra)
        return JSONResponse({"detail": self.description}, status_code=self.status_code, headers=self.headers)
