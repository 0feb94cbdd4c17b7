"""Pydantic models for roles, groups and the roles a user holds."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Text

# a role's or a group's name: what other apps compare against, so lower case and no spaces
SLUG_PATTERN = r"^[a-z0-9][a-z0-9._:-]{0,63}$"
SLUG_MAX_LENGTH = 64
Slug = Annotated[
    Text, Field(min_length=1, max_length=SLUG_MAX_LENGTH, pattern=SLUG_PATTERN, examples=["billing-admin"])
]


class RoleCreate(BaseModel):
    """A role to create."""

    name: Slug
    description: Text | None = Field(default=None, max_length=500, examples=["Refunds and invoices"])


class RoleOut(BaseModel):
    """A role."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    description: str | None


class GroupCreate(BaseModel):
    """A group to create, with the roles it gives its members."""

    name: Slug = Field(examples=["support-team"])
    roles: list[Slug] = Field(default_factory=list, max_length=200, description="each an existing role")


class GroupOut(BaseModel):
    """A group: the roles it gives and its members' user ids, both sorted."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    roles: list[str]
    members: list[int]


class UserRolesOut(BaseModel):
    """A user's roles: effective (direct and through groups), direct ones, and the groups they are in."""

    model_config = ConfigDict(from_attributes=True)

    roles: list[str] = Field(description="every role the user holds, sorted, without repeats")
    direct: list[str] = Field(description="the roles granted to the user directly")
    groups: list[str] = Field(description="the groups the user is a member of")
