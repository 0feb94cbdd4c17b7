"""sql_batch on the backend under test: reads in one trip, and writes all or none."""

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

from api.db import sql_batch
from api.db.models import LoginThrottle

pytestmark = pytest.mark.usefixtures("app")

_TABLE = LoginThrottle._meta.db_table


def _sql(template: str) -> str:
    # the statements are fixed SQL with the dialect's own placeholders, as the services write them
    if connections.get("default").capabilities.dialect == "postgres":
        for number in range(1, 4):
            template = template.replace("?", f"${number}", 1)
    return template


_INSERT = f'INSERT INTO "{_TABLE}" ("key", "failures", "last_failure_at") VALUES (?, ?, CURRENT_TIMESTAMP)'
_BUMP = f'UPDATE "{_TABLE}" SET "failures" = "failures" + 1 WHERE "key" = ?'


async def _keys() -> list[str]:
    return sorted(row.key for row in await LoginThrottle.all())


async def test_reads_answer_each_statement_in_order() -> None:
    await sql_batch.write([(_sql(_INSERT), ["a", 1]), (_sql(_INSERT), ["b", 2])])
    select = _sql(f'SELECT "key", "failures" FROM "{_TABLE}" WHERE "key" = ?')
    rows = await sql_batch.read([(select, ["b"]), (select, ["missing"]), (select, ["a"])])
    assert rows == [[{"key": "b", "failures": 2}], [], [{"key": "a", "failures": 1}]]


async def test_a_guarded_plan_whose_first_write_changes_nothing_writes_nothing() -> None:
    rows, written = await sql_batch.read_then_write(
        None, lambda _rows: [(_sql(_BUMP), ["nobody"]), (_sql(_INSERT), ["c", 1])], guarded=True
    )
    assert (rows, written) == ([], False)
    assert await _keys() == []


async def test_a_failing_write_rolls_back_the_ones_before_it_and_is_tortoises_integrity_error() -> None:
    await sql_batch.write([(_sql(_INSERT), ["a", 1])])
    with pytest.raises(IntegrityError):
        await sql_batch.write([(_sql(_INSERT), ["b", 1]), (_sql(_INSERT), ["a", 1])])
    assert await _keys() == ["a"]


async def test_the_plan_sees_what_was_read_and_an_error_it_raises_writes_nothing() -> None:
    await sql_batch.write([(_sql(_INSERT), ["a", 1])])
    read = (_sql(f'SELECT "failures" FROM "{_TABLE}" WHERE "key" = ?'), ["a"])

    def plan(rows: list[dict[str, object]]) -> list[sql_batch.Statement]:
        if rows[0]["failures"] == 1:
            raise LookupError("refused on what was read")
        return [(_sql(_INSERT), ["b", 1])]

    with pytest.raises(LookupError):
        await sql_batch.read_then_write(read, plan)
    assert await _keys() == ["a"]


async def test_an_unsynced_write_commits_and_leaves_the_sync_level_as_it_was() -> None:
    client = connections.get("default")
    sqlite = client.capabilities.dialect == "sqlite"
    before = (await client.execute_query("PRAGMA synchronous"))[1] if sqlite else None
    _rows, written = await sql_batch.read_then_write(
        None, lambda _rows: [(_sql(_INSERT), ["d", 1])], synced=False
    )
    assert written
    assert await _keys() == ["d"]
    if sqlite:
        assert (await client.execute_query("PRAGMA synchronous"))[1] == before
