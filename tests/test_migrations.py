"""Schema migrations: models and migrations agree, `migrate` and `--check`, AUTO_MIGRATE, failures refused."""

import re
import shutil
import sys
from pathlib import Path

import pytest
from tortoise import Tortoise, connections
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.migrations.executor import MigrationExecutor

from api.db import connection, migrator

from .conftest import ON_POSTGRES, make_settings, serve
from .legacy import SCHEMA_DIR, make_release_0_1_database, query, run_script
from .live import free_port, run_py

MIGRATIONS_DIR = Path(migrator.__file__).parent / "migrations"
# every migration shipped, in order: the first is 0.1.0's schema
SHIPPED = sorted(path.stem for path in MIGRATIONS_DIR.glob("[0-9]*.py"))
_BROKEN_MIGRATION = """
from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "LATEST")]
    operations = [
        ops.RunSQL('CREATE TABLE "half_done" ("id" INT)'),
        ops.RunSQL('ALTER TABLE "users" ADD COLUMN "nickname" VARCHAR(20)'),
        ops.RunSQL("THIS IS NOT SQL"),
    ]
"""
# run.py with the migrations package replaced by the test's own (MIGRATIONS is read when migrating)
_RUN_WITH_MIGRATIONS = (
    "import sys, api.db.connection; api.db.connection.MIGRATIONS = sys.argv.pop(1); "
    "from api.cli.main import main; sys.exit(main())"
)


async def _snapshot(database_url: str) -> dict[str, list[tuple[object, ...]]]:
    """Everything a migration could change: tables and columns, the history, the users."""
    if ON_POSTGRES:
        columns = (
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() ORDER BY 1, 2"
        )
    else:
        columns = (
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p"
            " WHERE m.type = 'table' ORDER BY 1, 2"
        )
    tables = await query(database_url, columns)
    names = {str(table) for table, _ in tables}
    history = "SELECT app, name FROM tortoise_migrations ORDER BY name"
    return {
        "columns": tables,
        "history": await query(database_url, history) if "tortoise_migrations" in names else [],
        "users": await query(database_url, "SELECT * FROM users ORDER BY id") if "users" in names else [],
    }


def _statements(sql: str) -> list[str]:
    """SQL without comments (table descriptions are comments), one normalised string per statement."""
    sql = re.sub(r"^--.*$", "", sql, flags=re.MULTILINE)
    sql = re.sub(r"/\*.*?\*/|COMMENT ON [^']*'(?:[^']|'')*'", "", sql, flags=re.DOTALL)
    statements = (" ".join(part.split()) for part in sql.split(";"))
    return [statement for statement in statements if statement]


@pytest.mark.usefixtures("app")
async def test_models_and_migrations_agree() -> None:
    writers = await MigrationAutodetector(Tortoise.apps, connection.apps_config()).changes()
    assert [writer.name for writer in writers] == [], "a model changed without a migration: makemigrations"


@pytest.mark.usefixtures("app")
async def test_a_model_without_its_migration_is_detected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "no_migrations_yet").mkdir()
    (tmp_path / "no_migrations_yet" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    config = {migrator.APP: {**connection.apps_config()[migrator.APP], "migrations": "no_migrations_yet"}}
    writers = await MigrationAutodetector(Tortoise.apps, config).changes()
    assert [writer.name for writer in writers] == ["0001_initial"]


@pytest.mark.usefixtures("app")
async def test_the_first_migration_is_exactly_the_0_1_0_schema() -> None:
    executor = MigrationExecutor(connections.get("default"), connection.apps_config())
    migration_sql = ";\n".join(await executor.collect_sql(migrator.APP, migrator.FIRST))
    release_sql = (SCHEMA_DIR / ("postgres.sql" if ON_POSTGRES else "sqlite.sql")).read_text()
    assert _statements(migration_sql) == _statements(release_sql)


def test_migrate_applies_once_and_check_is_clean_afterwards(tmp_path: Path, fresh_database_url: str) -> None:
    before = run_py(tmp_path, fresh_database_url, "migrate", "--check")
    pending = "".join(f"pending: models.{name}\n" for name in SHIPPED)
    assert (before.returncode, before.stdout) == (1, pending + "the schema is behind\n")
    first = run_py(tmp_path, fresh_database_url, "migrate")
    assert first.returncode == 0, first.stderr
    applied = "".join(f"applied migration models.{name}\n" for name in SHIPPED)
    assert first.stdout == applied + "the schema is up to date\n"
    again = run_py(tmp_path, fresh_database_url, "migrate")
    assert (again.returncode, again.stdout) == (0, "the schema is up to date\n")
    after = run_py(tmp_path, fresh_database_url, "migrate", "--check")
    assert (after.returncode, after.stdout) == (0, "the schema is up to date\n")


async def test_auto_migrate_off_refuses_to_start_while_behind_and_names_the_command(
    tmp_path: Path, fresh_database_url: str
) -> None:
    refused = run_py(tmp_path, fresh_database_url, "--port", str(free_port()), AUTO_MIGRATE="false")
    assert refused.returncode == 1
    assert f"{', '.join(f'models.{name}' for name in SHIPPED)} pending" in refused.stderr
    assert "run `python run.py migrate` first" in refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
    assert (await _snapshot(fresh_database_url))["columns"] == [], "nothing may be created"

    settings = make_settings(tmp_path, database_url=fresh_database_url, auto_migrate=False)
    with pytest.raises(migrator.SchemaBehind):
        async with serve(settings):
            pass
    assert run_py(tmp_path, fresh_database_url, "migrate").returncode == 0
    async with serve(settings) as (_, client):
        assert (await client.get("/healthz")).status_code == 200


async def test_a_failed_migration_leaves_the_database_as_it_was_and_the_service_refuses_to_start(
    tmp_path: Path, fresh_database_url: str
) -> None:
    await make_release_0_1_database(fresh_database_url, secret="x" * 32, accounts=[("alice", False)])
    assert run_py(tmp_path, fresh_database_url, "migrate").returncode == 0
    before = await _snapshot(fresh_database_url)
    package = tmp_path / "broken_migrations"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in SHIPPED:
        shutil.copy(MIGRATIONS_DIR / f"{name}.py", package)
    (package / "9999_broken.py").write_text(_BROKEN_MIGRATION.replace("LATEST", SHIPPED[-1]))

    argv = [sys.executable, "-c", _RUN_WITH_MIGRATIONS, "broken_migrations", "--port", str(free_port())]
    result = run_py(tmp_path, fresh_database_url, argv=argv, PYTHONPATH=str(tmp_path))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "error: migration models.9999_broken failed and was rolled back" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert await _snapshot(fresh_database_url) == before


async def test_tables_that_are_not_release_0_1_0s_are_refused_and_left_alone(
    tmp_path: Path, fresh_database_url: str
) -> None:
    if not ON_POSTGRES:
        Path(fresh_database_url.removeprefix("sqlite://")).parent.mkdir(parents=True)
    await run_script(fresh_database_url, 'CREATE TABLE "users" ("id" INT, "name" TEXT);')
    before = await _snapshot(fresh_database_url)
    for command in (("migrate",), ("migrate", "--check"), ("--port", str(free_port()))):
        result = run_py(tmp_path, fresh_database_url, *command)
        assert result.returncode == 1
        assert "not the schema of release 0.1.0 (different or missing: " in result.stderr
        assert "Traceback" not in result.stdout + result.stderr
    assert await _snapshot(fresh_database_url) == before


async def _schema(database_url: str) -> list[tuple[object, ...]]:
    """Every column with its type, nullability and default, and every index with what it covers."""
    if ON_POSTGRES:
        columns = await query(
            database_url,
            "SELECT table_name, column_name, data_type, is_nullable, column_default, character_maximum_length"
            " FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2",
        )
        indexes = await query(
            database_url,
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2",
        )
        return columns + indexes
    columns = await query(
        database_url,
        'SELECT m.name, p.name, p.type, p."notnull", p.dflt_value, p.pk FROM sqlite_master m,'
        " pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY 1, 2",
    )
    indexes = await query(
        database_url,
        'SELECT m.name, i.name, i."unique", c.name FROM sqlite_master m, pragma_index_list(m.name) i,'
        " pragma_index_info(i.name) c WHERE m.type = 'table' ORDER BY 1, 2, 4",
    )
    return columns + [
        (table, str(index).split("_")[0], unique, column) for table, index, unique, column in indexes
    ]


async def test_an_empty_database_gets_the_schema_the_migrations_make_one_by_one(
    tmp_path: Path, fresh_database_url: str
) -> None:
    from .social import second_database

    with second_database(tmp_path, "stepwise") as stepwise:
        # the usual path: 0.1.0's tables adopted, then every later migration applied one by one
        await make_release_0_1_database(stepwise, secret="x" * 40, accounts=[])
        assert run_py(tmp_path, stepwise, "migrate").returncode == 0
        # an empty database: the whole schema in one transaction
        assert run_py(tmp_path, fresh_database_url, "migrate").returncode == 0
        built, migrated = await _schema(fresh_database_url), await _schema(stepwise)
        history = "SELECT app, name FROM tortoise_migrations ORDER BY name"
        recorded = [await query(url, history) for url in (fresh_database_url, stepwise)]
    assert built == migrated
    assert recorded[0] == recorded[1] == [("models", name) for name in SHIPPED]
