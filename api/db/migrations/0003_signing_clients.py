import functools
from json import dumps, loads
from uuid import uuid4

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0002_email")]

    initial = False

    operations = [
        ops.CreateModel(
            name="OAuthClient",
            fields=[
                ("client_id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ("name", fields.CharField(max_length=200)),
                ("secret_hash", fields.CharField(null=True, max_length=64)),
                ("grant_types", fields.CharField(max_length=200)),
                ("scopes", fields.CharField(max_length=1000)),
                (
                    "redirect_uris",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("confidential", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "oauth_clients",
                "app": "models",
                "pk_attr": "client_id",
                "table_description": "A registered OAuth2 client. Its secret is known only by its SHA-256, and public clients have none.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ClientGrant",
            fields=[
                ("id", fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                (
                    "client",
                    fields.ForeignKeyField(
                        "models.OAuthClient",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="client_id",
                        related_name="grants",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("scope", fields.CharField(max_length=1000)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "client_grants",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One client_credentials token's grant: revoking it, or deleting the client, ends the token.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SigningKey",
            fields=[
                ("kid", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ("algorithm", fields.CharField(max_length=8)),
                (
                    "public_jwk",
                    fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads),
                ),
                ("sealed_private_key", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("retired_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "expires_at",
                    fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "signing_keys",
                "app": "models",
                "pk_attr": "kid",
                "table_description": "An asymmetric signing key (RS256, ES256): its public JWK, and its private key sealed under SECRET_KEY.",
            },
            bases=["Model"],
        ),
    ]
