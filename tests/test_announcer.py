"""The announcer runs after a change has committed, so it never fails the request: a NOTIFY that cannot be
sent is logged, and this machine forgets every answer instead of only the users'."""

import contextlib
from pathlib import Path

import pytest
from tortoise.exceptions import OperationalError, TransactionManagementError
from tortoise.transactions import in_transaction

from api.db.changes import Changes
from api.hotpath.change_counters import ChangeCounters
from api.hotpath.change_feed import Announcer

from .conftest import ON_POSTGRES

pytestmark = pytest.mark.usefixtures("app")


async def test_an_announcement_bumps_only_the_users_slots(tmp_path: Path) -> None:
    counters = ChangeCounters(tmp_path / "changes.counter")
    try:
        await Announcer(counters)(Changes(users={7}))
        assert (counters.generation(7), counters.generation(8)) == ((0, 1), (0, 0))
        await Announcer(counters)(Changes(everyone=True))
        assert counters.generation(8) == (1, 0)
    finally:
        counters.close()


async def test_a_notify_that_fails_is_logged_and_voids_every_answer_here(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    counters = ChangeCounters(tmp_path / "changes.counter")
    try:
        with contextlib.suppress(OperationalError, TransactionManagementError):
            async with in_transaction() as connection:
                # an aborted transaction refuses every statement after it, NOTIFY included
                with contextlib.suppress(OperationalError):
                    await connection.execute_query("SELECT 1/0")
                await Announcer(counters)(Changes(users={7}))
        if ON_POSTGRES:
            assert counters.generation(8) == (1, 0)  # every answer here, not only user 7's
            assert "could not tell other machines of a change" in caplog.text
        else:
            # one machine holds a SQLite file, its workers share the counters: nothing to tell, nothing failed
            assert (counters.generation(7), counters.generation(8)) == ((0, 1), (0, 0))
            assert "could not tell" not in caplog.text
    finally:
        counters.close()
