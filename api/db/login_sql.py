"""The password grant's reads in fixed SQL, in one trip: the throttle's two counters and the user.

Every login runs these before its hash, and the ORM's query building for them cost the event loop more than
the queries cost the database; like `session_sql.py` for the writes, they go as one trip to SQLite's thread.
"""

from dataclasses import dataclass
from datetime import datetime

from api.core import usernames
from api.db import dialect, internals, sql_batch
from api.db.models import LoginThrottle, User

_COUNTERS = (
    f'SELECT "key", "blocked_until" FROM "{internals.table(LoginThrottle)}" WHERE "key" IN ({{0}}, {{1}})'
)
_USER = f'SELECT * FROM "{internals.table(User)}" WHERE "username_key" = {{0}}'
_QUERIES = dialect.statements(counters=_COUNTERS, user=_USER)
_blocked_until = internals.field(LoginThrottle, "blocked_until")
_created_at = internals.field(User, "created_at")


@dataclass(frozen=True, slots=True)
class LoginRecords:
    """What a login attempt reads: the throttle's counters (key, blocked until) and the user, if any."""

    pair: str
    counters: list[tuple[str, datetime | None]]
    user: User | None


async def look_up(*, pair: str, address: str, username: str) -> LoginRecords:
    """The throttle's counters under these two keys (address and username; address), and the user named."""
    queries = _QUERIES[dialect.current()]
    reads: list[sql_batch.Statement] = [(queries["counters"], [pair, address])]
    # a name that could never be registered (too long, NUL bytes, ...) is not looked up, only "verified"
    if usernames.problem(usernames.normalize(username)) is None:
        reads.append((queries["user"], [usernames.lookup_key(username)]))
    counter_rows, *user_rows = await sql_batch.read(reads)
    counters = [
        (row["key"], _blocked_until.to_python_value(dialect.parse_datetime(row["blocked_until"])))
        for row in counter_rows
    ]
    user = None
    if user_rows and user_rows[0]:
        row = user_rows[0][0]
        row["created_at"] = _created_at.to_python_value(dialect.parse_datetime(row["created_at"]))
        user = internals.from_row(User, row)
    return LoginRecords(pair=pair, counters=counters, user=user)
