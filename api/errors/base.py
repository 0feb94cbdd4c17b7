"""The base of every domain error, and the one for a body field the rules refuse."""

from http import HTTPStatus
from typing import ClassVar


class DomainError(Exception):
    """Base of every error the services raise on purpose."""

    status_code: ClassVar[int] = HTTPStatus.BAD_REQUEST
    detail: ClassVar[str] = "Bad request"
    oauth_error: ClassVar[str] = "invalid_request"

    @property
    def message(self) -> str:
        """What the person is told: the class's detail, or the message it was raised with."""
        return str(self) if self.args else self.detail

    @property
    def headers(self) -> dict[str, str]:
        """Headers that go with the answer."""
        return {}

    @property
    def oauth_extra(self) -> dict[str, str]:
        """Fields the token endpoint's RFC 6749 error body carries besides `error` (an `mfa_token`)."""
        return {}


class FieldProblem(DomainError):
    """A field (of the body, or a parameter) the schema accepts but the rules refuse: FastAPI's 422 shape."""

    status_code = HTTPStatus.UNPROCESSABLE_ENTITY  # 422; Python 3.13 names it UNPROCESSABLE_CONTENT
    error_type: ClassVar[str] = "value_error"
    # where the field is: the body's, or a query parameter
    location: ClassVar[str] = "body"

    def __init__(self, problem: str, *, field: str) -> None:
        super().__init__(problem)
        self.field = field
