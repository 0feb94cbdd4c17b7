from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0009_device_grant")]

    initial = False

    operations = [
        ops.CreateModel(
            name="BackchannelLogout",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("client_id", fields.CharField(max_length=64)),
                ("subject", fields.CharField(max_length=64)),
                ("sid", fields.CharField(max_length=36)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("due_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("attempts", fields.IntField(default=0)),
                ("last_error", fields.CharField(null=True, max_length=500)),
                ("delivered_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("failed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "backchannel_logouts",
                "app": "models",
                "unique_together": (("client_id", "sid"),),
                "pk_attr": "id",
                "table_description": "A logout token to post to an app, written in the transaction that ends the session, sent by a",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SessionClient",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.Session",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="clients",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "models.OAuthClient",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="client_id",
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("sid", fields.CharField(db_index=True, max_length=36)),
            ],
            options={
                "table": "session_clients",
                "app": "models",
                "unique_together": (("session", "client"),),
                "pk_attr": "id",
                "table_description": "An app that received tokens in a session, and the `sid` its id_tokens name: whom a logout tells.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="OAuthClient",
            name="backchannel_logout_session_required",
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name="OAuthClient",
            name="backchannel_logout_uri",
            field=fields.CharField(null=True, max_length=2000),
        ),
    ]
