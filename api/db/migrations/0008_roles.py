import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0007_identity_providers")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Group",
            fields=[
                ("name", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "role_groups",
                "app": "models",
                "pk_attr": "name",
                "table_description": "A group of users: each member holds every role of the group.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GroupMember",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "group",
                    fields.ForeignKeyField(
                        "models.Group",
                        source_field="group_id",
                        db_constraint=True,
                        to_field="name",
                        related_name="members",
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
                        related_name="group_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "group_members",
                "app": "models",
                "unique_together": (("group", "user"),),
                "pk_attr": "id",
                "table_description": "A user's membership of a group.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Role",
            fields=[
                ("name", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ("description", fields.CharField(null=True, max_length=500)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "roles",
                "app": "models",
                "pk_attr": "name",
                "table_description": "A role the team's other apps authorize on (`billing-admin`), named by a slug.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GroupRole",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "group",
                    fields.ForeignKeyField(
                        "models.Group",
                        source_field="group_id",
                        db_constraint=True,
                        to_field="name",
                        related_name="role_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "role",
                    fields.ForeignKeyField(
                        "models.Role",
                        source_field="role_id",
                        db_constraint=True,
                        to_field="name",
                        related_name="group_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "group_roles",
                "app": "models",
                "unique_together": (("group", "role"),),
                "pk_attr": "id",
                "table_description": "A role a group gives its members.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="UserRole",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="role_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "role",
                    fields.ForeignKeyField(
                        "models.Role",
                        source_field="role_id",
                        db_constraint=True,
                        to_field="name",
                        related_name="user_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "user_roles",
                "app": "models",
                "unique_together": (("user", "role"),),
                "pk_attr": "id",
                "table_description": "A role granted to a user directly.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="OAuthClient",
            name="allowed_roles",
            field=fields.JSONField(
                null=True, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
            ),
        ),
    ]
