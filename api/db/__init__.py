"""The data layer: Tortoise models, migrations and their runner, the hot path's fixed SQL, SQLite's WAL."""
