"""Errors of roles and groups: names taken, unknown roles or groups, links that do not exist."""

from http import HTTPStatus

from api.errors.base import DomainError, FieldProblem


class RoleTaken(DomainError):
    """Another role has this name."""

    status_code = HTTPStatus.CONFLICT
    detail = "A role with this name exists"


class GroupTaken(DomainError):
    """Another group has this name."""

    status_code = HTTPStatus.CONFLICT
    detail = "A group with this name exists"


class RoleNotFound(DomainError):
    """No role has this name."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "Role not found"


class GroupNotFound(DomainError):
    """No group has this name."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "Group not found"


class GroupRoleNotFound(DomainError):
    """The group does not give this role."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "The group does not have this role"


class MembershipNotFound(DomainError):
    """The user is not a member of the group."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "The user is not a member of this group"


class GrantNotFound(DomainError):
    """The user was not granted this role directly (a group's roles are taken away through the group)."""

    status_code = HTTPStatus.NOT_FOUND
    detail = "The user does not have this role directly"


class UnknownRoles(FieldProblem):
    """A body names roles nobody created."""
