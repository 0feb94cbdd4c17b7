"""Tortoise models: what the database holds."""

from tortoise import fields
from tortoise.models import Model

from . import usernames


class User(Model):
    """An account. `username_key` (NFKC, case-folded) is what makes usernames unique."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=usernames.MAX_LENGTH)
    username_key = fields.CharField(max_length=usernames.MAX_LENGTH, unique=True)
    email = fields.CharField(max_length=320, null=True, unique=True)
    full_name = fields.CharField(max_length=200, null=True)
    password_hash = fields.CharField(max_length=255)
    disabled = fields.BooleanField(default=False)
    is_admin = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "users"

    def __str__(self) -> str:
        return self.username
