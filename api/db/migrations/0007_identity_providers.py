from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0006_passkeys")]

    initial = False

    operations = [
        ops.CreateModel(
            name="IdentityProvider",
            fields=[
                ("name", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ("display_name", fields.CharField(max_length=100)),
                ("issuer", fields.CharField(max_length=500)),
                ("client_id", fields.CharField(max_length=500)),
                ("sealed_secret", fields.TextField(null=True, unique=False)),
                ("scopes", fields.CharField(max_length=500)),
                ("link_verified_email", fields.BooleanField(default=False)),
                ("create_accounts", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "identity_providers",
                "app": "models",
                "pk_attr": "name",
                "table_description": "Another OpenID Connect provider users may sign in with, its client secret sealed under SECRET_KEY.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Identity",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "provider",
                    fields.ForeignKeyField(
                        "models.IdentityProvider",
                        source_field="provider_id",
                        db_constraint=True,
                        to_field="name",
                        related_name="identities",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("issuer", fields.CharField(max_length=500)),
                ("subject", fields.CharField(max_length=255)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="identities",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("email", fields.CharField(null=True, max_length=320)),
                ("linked_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "identities",
                "app": "models",
                "unique_together": (("issuer", "subject"),),
                "pk_attr": "id",
                "table_description": "A user's account at another provider, known by (issuer, subject), never by e-mail address.",
            },
            bases=["Model"],
        ),
    ]
