from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="EmailToken",
            fields=[
                ("token_hash", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="email_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("purpose", fields.CharField(max_length=16)),
                ("email", fields.CharField(max_length=320)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "email_tokens",
                "app": "models",
                "pk_attr": "token_hash",
                "table_description": "A link's token (verify an address, reset a password), known only by its SHA-256, single-use.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OutboxMail",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("kind", fields.CharField(default="mail", max_length=16)),
                ("to_address", fields.CharField(max_length=320)),
                ("subject", fields.CharField(max_length=200)),
                ("text_body", fields.TextField(unique=False)),
                ("html_body", fields.TextField(unique=False)),
                ("message_id", fields.CharField(max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("due_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("attempts", fields.IntField(default=0)),
                ("last_error", fields.CharField(null=True, max_length=500)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("failed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "mail_outbox",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A mail to send, written in the transaction of the change that causes it, sent by a background task.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="User",
            name="email_verified",
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
