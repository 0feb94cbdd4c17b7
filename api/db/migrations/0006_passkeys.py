import functools
from json import dumps, loads
from uuid import uuid4

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0005_oidc")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Passkey",
            fields=[
                ("id", fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="passkeys",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("credential_id", fields.CharField(unique=True, max_length=1400)),
                ("public_key", fields.TextField(unique=False)),
                ("sign_count", fields.BigIntField(default=0)),
                ("backup_eligible", fields.BooleanField(default=False)),
                ("backed_up", fields.BooleanField(default=False)),
                (
                    "transports",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "passkeys",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A passkey (a WebAuthn credential): its id and public key (base64url), signature counter and backup",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PasskeyChallenge",
            fields=[
                ("id_hash", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ("challenge", fields.CharField(max_length=200)),
                ("purpose", fields.CharField(max_length=16)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="passkey_challenges",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "passkey_challenges",
                "app": "models",
                "pk_attr": "id_hash",
                "table_description": "A WebAuthn challenge, single use, for five minutes: bound to the user adding a passkey, or to nobody",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PasskeyUser",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.OneToOneField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="passkey_handle",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("handle", fields.CharField(unique=True, max_length=128)),
            ],
            options={
                "table": "passkey_users",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A user's WebAuthn user handle: random, never the database id, made with the first passkey.",
            },
            bases=["Model"],
        ),
    ]
