"""Pydantic models and types every area shares: request text, an error's body and the health check."""

from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

# PostgreSQL text cannot hold NUL (asyncpg refuses the query), and no name, id, address or token of ours has
# one: every request string that may reach a query is `Text`, so NUL is a 422 at the edge, as documented
NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, StringConstraints(pattern=NO_NUL)]

# the longest value of a parameter a browser sends and the routes read themselves (/authorize, /end-session)
PARAMETER_MAX_LENGTH = 4000
# a registered client's id, as the database keeps it
CLIENT_ID_MAX_LENGTH = 64


class ErrorDetail(BaseModel):
    """An error, in FastAPI's shape."""

    detail: str


class Health(BaseModel):
    """Whether the service and its database answer."""

    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]
