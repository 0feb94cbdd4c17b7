"""Pydantic models every area shares: an error's body and the health check."""

from typing import Literal

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    """An error, in FastAPI's shape."""

    detail: str


class Health(BaseModel):
    """Whether the service and its database answer."""

    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]
