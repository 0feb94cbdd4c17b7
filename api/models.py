"""Tortoise models: what the database holds.

Every change here needs a migration (`tortoise makemigrations`, see the README). Docstrings become table
comments in the migrations, and Tortoise's SQLite migrations split statements at each semicolon: none in them.
"""

from tortoise import fields
from tortoise.models import Model

from . import usernames

USER_AGENT_MAX_LENGTH = 400


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


class Session(Model):
    """One login and the refresh tokens rotated from it (the token family): revoking it ends them all."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    scope = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    revoked_at = fields.DatetimeField(null=True)
    user_agent = fields.CharField(max_length=USER_AGENT_MAX_LENGTH, null=True)
    ip = fields.CharField(max_length=45, null=True)

    class Meta:
        table = "sessions"


class RefreshToken(Model):
    """A refresh token, known only by its SHA-256, `used_at` set when it is rotated."""

    token_hash = fields.CharField(max_length=64, primary_key=True)
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    expires_at = fields.DatetimeField(db_index=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_tokens"


class LoginThrottle(Model):
    """Recent failed logins for one key: a client address, or an address and username together (hashed)."""

    key = fields.CharField(max_length=64, primary_key=True)
    failures = fields.IntField(default=0)
    last_failure_at = fields.DatetimeField(db_index=True)
    blocked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "login_throttle"
