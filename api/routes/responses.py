"""Error answers shared by many routes, declared once so the OpenAPI document lists them."""

from typing import Any

from fastapi import status

from api.schemas.common import ErrorDetail

Responses = dict[int | str, dict[str, Any]]

AUTHENTICATED: Responses = {
    status.HTTP_400_BAD_REQUEST: {
        "model": ErrorDetail,
        "description": "Inactive user (or as the route says)",
    },
    status.HTTP_401_UNAUTHORIZED: {
        "model": ErrorDetail,
        "description": "No token, or an invalid or revoked one",
    },
    status.HTTP_403_FORBIDDEN: {
        "model": ErrorDetail,
        "description": "The token lacks a scope the route needs, or is an app's where only the user may act",
    },
}

# FastAPI answers 400 to a body it cannot decode at all, and the size limit 413 to one that is too long
MALFORMED_BODY: Responses = {
    status.HTTP_400_BAD_REQUEST: {"model": ErrorDetail, "description": "The body could not be parsed"},
    status.HTTP_413_CONTENT_TOO_LARGE: {
        "model": ErrorDetail,
        "description": "Request body over MAX_BODY_BYTES",
    },
}

# the routes that read a browser's parameters themselves refuse, as the schemas do, a NUL or an overlong value
UNUSABLE_PARAMETERS: Responses = {
    status.HTTP_422_UNPROCESSABLE_CONTENT: {"description": "A parameter with a NUL character, or too long"}
}


def form_body(parameters: list[dict[str, Any]], **more: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI request body: these query parameters as a form's fields, and `more`."""
    properties = {parameter["name"]: parameter["schema"] for parameter in parameters}
    schema = {"type": "object", "properties": {**properties, **more}}
    return {"content": {"application/x-www-form-urlencoded": {"schema": schema}}}
