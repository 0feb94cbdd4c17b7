"""Exception handlers that shape error bodies."""

from fastapi import Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


async def validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 body, without echoing what was sent: the input may be a password."""
    assert isinstance(exc, RequestValidationError)
    errors = [{key: value for key, value in error.items() if key != "input"} for error in exc.errors()]
    return JSONResponse(
        jsonable_encoder({"detail": errors}), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )
