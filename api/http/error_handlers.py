"""Errors turned into answers: every domain error as it declares itself, and FastAPI's own, reshaped."""

from fastapi import Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from api.errors import DomainError, FieldProblem
from api.http.oauth_errors import oauth_error
from api.http.routing import allowed_methods


def _validation_body(errors: list[dict[str, object]]) -> JSONResponse:
    return JSONResponse(
        jsonable_encoder({"detail": errors}), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


def error_response(exc: DomainError) -> JSONResponse:
    """The contract's answer to a domain error: `{"detail"}` with its status and headers, or a 422."""
    if isinstance(exc, FieldProblem):
        return _validation_body(
            [{"type": exc.error_type, "loc": (exc.location, exc.field), "msg": exc.message}]
        )
    return JSONResponse({"detail": exc.message}, status_code=exc.status_code, headers=exc.headers or None)


async def domain_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """The one place a domain error raised anywhere below a route becomes HTTP."""
    assert isinstance(exc, DomainError)
    return error_response(exc)


async def validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 body, without echoing what was sent: the input may be a password."""
    assert isinstance(exc, RequestValidationError)
    return _validation_body(
        [{key: value for key, value in error.items() if key != "input"} for error in exc.errors()]
    )


async def token_aware_http_exception_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's answer, except that the token endpoints keep RFC 6749's shape for an unparsable body."""
    assert isinstance(exc, HTTPException)
    token_path: str = request.app.state.auth.settings.token_path
    on_token_endpoint = request.url.path in (token_path, f"{token_path}/revoke", f"{token_path}/introspect")
    if on_token_endpoint and exc.status_code == status.HTTP_400_BAD_REQUEST:
        return oauth_error("invalid_request", str(exc.detail))
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        # Starlette names the methods of the first route that matched the path only
        allow = ", ".join(allowed_methods(request.app, request.scope))
        exc = HTTPException(exc.status_code, exc.detail, headers={**(exc.headers or {}), "Allow": allow})
    return await http_exception_handler(request, exc)
