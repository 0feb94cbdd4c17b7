"""Errors of the stored audit events and of invitations."""

from http import HTTPStatus

from api.errors.base import DomainError, FieldProblem


class InvalidCursor(FieldProblem):
    """A page's cursor that this service did not give: FastAPI's 422 shape, for the `cursor` parameter."""

    location = "query"
    detail = "Invalid cursor"

    def __init__(self) -> None:
        super().__init__(self.detail, field="cursor")


class InvitationConflict(DomainError):
    """The address already has an account, or a pending invitation."""

    status_code = HTTPStatus.CONFLICT
    detail = "The address has an account or a pending invitation"


class InvitationNotFound(DomainError):
    """No invitation has this id."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "Invitation not found"


class InvalidInvitation(DomainError):
    """An invitation's token that is unknown, used, revoked or expired."""

    detail = "Invalid or expired invitation"
