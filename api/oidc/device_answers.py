"""A person's answer to a device's code on /device: the consent page first unless it is not needed (the
rules of `/authorize`: a remembered consent or a trusted app skips it), then the device approved or denied."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from api.config import Settings
from api.db.models import DeviceAuthorization, User
from api.oidc import consents, devices
from api.oidc.codes import SignIn
from api.services import users


@dataclass(frozen=True, slots=True)
class AskConsent:
    """The consent page, for these scopes."""

    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Decided:
    """The device approved, or denied: the page that says so."""

    approved: bool


async def answer(
    found: DeviceAuthorization,
    *,
    user: User,
    sign_in: SignIn,
    decision: Literal["allow", "deny"] | None,
    settings: Settings,
    moment: datetime,
) -> AskConsent | Decided:
    """What the code typed in (no `decision`), or the consent page's Allow or Deny, leads to; the device's
    scopes are granted as `/authorize` grants them (`admin` only to an administrator)."""
    granted = users.still_held(frozenset(found.scope.split()), user, settings)
    if decision == "deny":
        await devices.decide(found, sign_in=None, granted=None)
        return Decided(approved=False)
    if decision == "allow":
        await consents.remember(user_id=user.id, client=found.client, allowed=granted, moment=moment)
    elif await consents.must_ask(user_id=user.id, client=found.client, granted=granted, prompted=False):
        return AskConsent(scopes=granted)
    await devices.decide(found, sign_in=sign_in, granted=granted)
    return Decided(approved=True)
