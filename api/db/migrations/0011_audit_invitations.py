import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0010_backchannel_logout")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("event", fields.CharField(max_length=40)),
                ("outcome", fields.CharField(max_length=40)),
                ("user_id", fields.IntField(null=True)),
                ("actor_id", fields.IntField(null=True)),
                ("client_id", fields.CharField(null=True, max_length=64)),
                ("ip", fields.CharField(null=True, max_length=45)),
                ("user_agent", fields.CharField(null=True, max_length=400)),
                (
                    "details",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
            ],
            options={
                "table": "audit_events",
                "app": "models",
                "indexes": [Index(fields=["at", "id"]), Index(fields=["user_id", "at"])],
                "pk_attr": "id",
                "table_description": "One security event, as the audit log line says it: kept AUDIT_RETENTION_DAYS days.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Invitation",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("email", fields.CharField(db_index=True, max_length=320)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("is_admin", fields.BooleanField(default=False)),
                (
                    "roles",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("invited_by", fields.IntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("accepted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "invitations",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An administrator's invitation to an address, known only by its token's SHA-256, single-use.",
            },
            bases=["Model"],
        ),
    ]
