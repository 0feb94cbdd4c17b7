from uuid import uuid4

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="LoginThrottle",
            fields=[
                ("key", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ("failures", fields.IntField(default=0)),
                ("last_failure_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("blocked_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "login_throttle",
                "app": "models",
                "pk_attr": "key",
                "table_description": "Recent failed logins for one key: a client address, or an address and username together (hashed).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="User",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("username", fields.CharField(max_length=150)),
                ("username_key", fields.CharField(unique=True, max_length=150)),
                ("email", fields.CharField(null=True, unique=True, max_length=320)),
                ("full_name", fields.CharField(null=True, max_length=200)),
                ("password_hash", fields.CharField(max_length=255)),
                ("disabled", fields.BooleanField(default=False)),
                ("is_admin", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "users",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An account. `username_key` (NFKC, case-folded) is what makes usernames unique.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Session",
            fields=[
                ("id", fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("scope", fields.CharField(max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("last_used_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("user_agent", fields.CharField(null=True, max_length=400)),
                ("ip", fields.CharField(null=True, max_length=45)),
            ],
            options={
                "table": "sessions",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One login and the refresh tokens rotated from it (the token family): revoking it ends them all.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RefreshToken",
            fields=[
                ("token_hash", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.Session",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="refresh_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("expires_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "refresh_tokens",
                "app": "models",
                "pk_attr": "token_hash",
                "table_description": "A refresh token, known only by its SHA-256, `used_at` set when it is rotated.",
            },
            bases=["Model"],
        ),
    ]
