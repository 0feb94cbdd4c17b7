"""E-mail addresses as the service keeps them: checked as pydantic's `EmailStr` checks them, then lower-cased,
so that uniqueness and every comparison ignore letter case. `/register` and the addresses other providers
vouch for go through this one definition."""

from typing import Annotated

from pydantic import AfterValidator, EmailStr, TypeAdapter, ValidationError

Email = Annotated[EmailStr, AfterValidator(str.lower)]

_address: TypeAdapter[str] = TypeAdapter(Email)


def normalize(address: object) -> str | None:
    """The address as `/register` keeps it, or None when `/register` would refuse it."""
    if not isinstance(address, str):
        return None
    try:
        return _address.validate_python(address)
    except ValidationError:
        return None
