from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0008_roles")]

    initial = False

    operations = [
        ops.CreateModel(
            name="DeviceAuthorization",
            fields=[
                (
                    "device_code_hash",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                ("user_code", fields.CharField(unique=True, max_length=8)),
                (
                    "client",
                    fields.ForeignKeyField(
                        "models.OAuthClient",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="client_id",
                        related_name="device_authorizations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("scope", fields.CharField(max_length=1000)),
                ("status", fields.CharField(default="pending", max_length=8)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("interval", fields.IntField()),
                ("last_polled_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="device_authorizations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("login_session_id", fields.CharField(null=True, max_length=36)),
                ("auth_time", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("session_id", fields.CharField(null=True, max_length=36)),
            ],
            options={
                "table": "device_authorizations",
                "app": "models",
                "pk_attr": "device_code_hash",
                "table_description": "A device flow's authorization (RFC 8628), its device code known only by its SHA-256.",
            },
            bases=["Model"],
        ),
    ]
