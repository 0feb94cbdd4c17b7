import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0004_mfa")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AuthorizationCode",
            fields=[
                ("code_hash", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                (
                    "client",
                    fields.ForeignKeyField(
                        "models.OAuthClient",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="client_id",
                        related_name="codes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="codes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("redirect_uri", fields.CharField(max_length=2000)),
                ("scope", fields.CharField(max_length=1000)),
                ("nonce", fields.CharField(null=True, max_length=500)),
                ("code_challenge", fields.CharField(null=True, max_length=128)),
                ("login_session_id", fields.CharField(max_length=36)),
                ("auth_time", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("session_id", fields.CharField(null=True, max_length=36)),
            ],
            options={
                "table": "authorization_codes",
                "app": "models",
                "pk_attr": "code_hash",
                "table_description": "An authorization code, known only by its SHA-256: it lives a minute and works once.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Consent",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="consents",
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
                        related_name="consents",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("scope", fields.CharField(max_length=1000)),
                ("granted_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "consents",
                "app": "models",
                "unique_together": (("user", "client"),),
                "pk_attr": "id",
                "table_description": "What a user allowed a client to see: a later request for the same or fewer scopes asks no more.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="OAuthClient",
            name="id_token_signed_response_alg",
            field=fields.CharField(default="RS256", db_default="RS256", max_length=8),
        ),
        ops.AddField(
            model_name="OAuthClient",
            name="post_logout_redirect_uris",
            field=fields.JSONField(
                null=True, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
            ),
        ),
        ops.AddField(
            model_name="OAuthClient",
            name="require_pkce",
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name="OAuthClient",
            name="trusted",
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name="Session",
            name="auth_time",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Session",
            name="client_id",
            field=fields.CharField(null=True, db_index=True, max_length=64),
        ),
        ops.AddField(
            model_name="Session",
            name="login_session_id",
            field=fields.CharField(null=True, max_length=36),
        ),
    ]
