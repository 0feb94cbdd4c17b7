"""Exception handlers that shape error bodies."""

from fastapi import Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from .routes.token import oauth_error


async def validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 body, without echoing what was sent: the input may be a password."""
    assert isinstance(exc, RequestValidationError)
    errors = [{key: value for key, value in error.items() if key != "input"} for error in exc.errors()]
    return JSONResponse(
        jsonable_encoder({"detail": errors}), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


async def token_aware_http_exception_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's answer, except that the token endpoints keep RFC 6749's shape for an unparsable body."""
    assert isinstance(exc, HTTPException)
    token_path: str = request.app.state.auth.settings.token_path
    on_token_endpoint = request.url.path in (token_path, f"{token_path}/revoke")
    if on_token_endpoint and exc.status_code == status.HTTP_400_BAD_REQUEST:
        return oauth_error("invalid_request", str(exc.detail))
    return await http_exception_handler(request, exc)
