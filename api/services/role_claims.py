"""The roles a user's token carries: one place for every grant, `/userinfo`, introspection and `/user/me`.

A token granted the `roles` scope carries the user's effective roles (direct and through groups) as they are
when it is issued; an app's token (it names a registered client) only those in the app's `allowed_roles`, so
an app never learns the roles that another app decides on. Without the scope nothing is read.
"""

from api.core import scopes
from api.db import roles_sql
from api.services.principals import Principal


async def carried(*, user_id: int, granted: frozenset[str], client_id: str | None) -> list[str] | None:
    """The roles, sorted, for a token of `user_id` with these scopes issued to `client_id` (None: the
    service's own sign-in); None when the token was not granted `roles` (then nothing is read)."""
    if scopes.ROLES not in granted:
        return None
    return await roles_sql.effective_roles(user_id, client_id=client_id)


async def of_caller(principal: Principal) -> list[str] | None:
    """The roles a caller's token shows now (`/user/me`, `/userinfo`): read from the database, so a change
    shows at once, even for a token issued before it."""
    return await carried(user_id=principal.user.id, granted=principal.scopes, client_id=principal.issued_to)
