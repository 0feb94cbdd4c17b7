from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0003_signing_clients")]

    initial = False

    operations = [
        ops.CreateModel(
            name="MfaChallenge",
            fields=[
                ("token_hash", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="mfa_challenges",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("scope", fields.CharField(null=True, max_length=1000)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("failures", fields.IntField(default=0)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "mfa_challenges",
                "app": "models",
                "pk_attr": "token_hash",
                "table_description": "The second step of a login: the right password was given, a code is awaited (`mfa_token`, by SHA-256).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RecoveryCode",
            fields=[
                ("code_hash", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="recovery_codes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "recovery_codes",
                "app": "models",
                "pk_attr": "code_hash",
                "table_description": "One recovery code of a user, known only by its SHA-256, usable once.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TotpSecret",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.OneToOneField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="totp",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("sealed_secret", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("confirmed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_step", fields.BigIntField(null=True)),
            ],
            options={
                "table": "totp_secrets",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A user's TOTP secret, sealed under SECRET_KEY: pending until a first code confirms it.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="User",
            name="mfa_enabled",
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
