"""Tortoise models: what the database holds.

Every change here needs a migration (`tortoise makemigrations`, see docs/operations.md). Docstrings become
table comments in the migrations, and Tortoise's SQLite migrations split statements at each semicolon: none
in them.
"""

from tortoise import fields
from tortoise.models import Model

from api.core import usernames
from api.db.tracked import TrackedManager, Watch, watch

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
    # db_default: the column joins tables that already hold users (every earlier account is unverified)
    email_verified = fields.BooleanField(default=False, db_default=False)
    # whether a confirmed TOTP secret guards the password: read with the user on every request
    mfa_enabled = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "users"
        manager = TrackedManager()

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
    # an app's session (authorization code flow): the client it belongs to, when the user signed in, and
    # the browser session that signed in (the id_token's `sid`); all null for the service's own logins
    client_id = fields.CharField(max_length=64, null=True, db_index=True)
    auth_time = fields.DatetimeField(null=True)
    login_session_id = fields.CharField(max_length=36, null=True)

    class Meta:
        table = "sessions"
        manager = TrackedManager()


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


class EmailToken(Model):
    """A link's token (verify an address, reset a password), known only by its SHA-256, single-use.

    `email` is the address the link went to: a verification is void once the account's address differs.
    """

    token_hash = fields.CharField(max_length=64, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="email_tokens", on_delete=fields.CASCADE
    )
    purpose = fields.CharField(max_length=16)
    email = fields.CharField(max_length=320)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "email_tokens"


class OutboxMail(Model):
    """A mail to send, written in the transaction of the change that causes it, sent by a background task.

    Pending while neither `sent_at` nor `failed_at` is set, due at `due_at`: a worker claims a mail by moving
    `due_at` past the time a send may take, so a worker that dies mid-send leaves it to be retried.
    """

    id = fields.IntField(primary_key=True)
    # "mail": ready to send. "reset_request": someone asked for a reset link for `to_address`; the delivery
    # looks the address up and writes the mail, so the request does the same work whoever the address is
    kind = fields.CharField(max_length=16, default="mail")
    to_address = fields.CharField(max_length=320)
    subject = fields.CharField(max_length=200)
    text_body = fields.TextField()
    html_body = fields.TextField()
    message_id = fields.CharField(max_length=200)
    created_at = fields.DatetimeField()
    due_at = fields.DatetimeField(db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=500, null=True)
    sent_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mail_outbox"


class AuditEvent(Model):
    """One security event, as the audit log line says it: kept AUDIT_RETENTION_DAYS days.

    `user_id` and `actor_id` (the administrator who acted) are plain numbers, not foreign keys: an event
    outlives the account it names (`account_deletion` is about a user who is gone).
    """

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField()
    event = fields.CharField(max_length=40)
    outcome = fields.CharField(max_length=40)
    user_id = fields.IntField(null=True)
    actor_id = fields.IntField(null=True)
    client_id = fields.CharField(max_length=64, null=True)
    ip = fields.CharField(max_length=45, null=True)
    user_agent = fields.CharField(max_length=USER_AGENT_MAX_LENGTH, null=True)
    details: dict[str, object] = fields.JSONField(default=dict)

    class Meta:
        table = "audit_events"
        indexes = (("at", "id"), ("user_id", "at"))


class Invitation(Model):
    """An administrator's invitation to an address, known only by its token's SHA-256, single-use.

    Pending while neither `accepted_at` nor `revoked_at` is set and `expires_at` is ahead.
    """

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=320, db_index=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    is_admin = fields.BooleanField(default=False)
    roles: list[str] = fields.JSONField(default=list)
    invited_by = fields.IntField(null=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    accepted_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invitations"


class SigningKey(Model):
    """An asymmetric signing key (RS256, ES256): its public JWK, and its private key sealed under SECRET_KEY.

    The newest unretired key of the configured algorithm signs. A retired key is published and verifies
    until `expires_at`, when every token it signed has expired.
    """

    kid = fields.CharField(max_length=64, primary_key=True)
    algorithm = fields.CharField(max_length=8)
    public_jwk: dict[str, str] = fields.JSONField()
    sealed_private_key = fields.TextField()
    created_at = fields.DatetimeField()
    retired_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "signing_keys"


class OAuthClient(Model):
    """A registered OAuth2 client. Its secret is known only by its SHA-256, and public clients have none.

    `grant_types` and `scopes` are space-separated, as OAuth2 writes scopes.
    """

    client_id = fields.CharField(max_length=64, primary_key=True)
    name = fields.CharField(max_length=200)
    secret_hash = fields.CharField(max_length=64, null=True)
    grant_types = fields.CharField(max_length=200)
    scopes = fields.CharField(max_length=1000)
    redirect_uris: list[str] = fields.JSONField(default=list)
    confidential = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    # OpenID Connect: null where a client registered before 0.3.0 has none
    post_logout_redirect_uris: list[str] | None = fields.JSONField(null=True)
    require_pkce = fields.BooleanField(default=True, db_default=True)
    # a first-party app: no consent page
    trusted = fields.BooleanField(default=False, db_default=False)
    id_token_signed_response_alg = fields.CharField(max_length=8, default="RS256", db_default="RS256")
    # the roles its tokens may carry; null: every role
    allowed_roles: list[str] | None = fields.JSONField(null=True)
    # OpenID Connect Back-Channel Logout: where a logout token is posted when a session it had tokens in ends
    backchannel_logout_uri = fields.CharField(max_length=2000, null=True)
    backchannel_logout_session_required = fields.BooleanField(default=True, db_default=True)

    class Meta:
        table = "oauth_clients"
        manager = TrackedManager()


class AuthorizationCode(Model):
    """An authorization code, known only by its SHA-256: it lives a minute and works once.

    It is bound to the client, the redirect URI, the PKCE challenge, the nonce, the scopes, the sign-in time
    and the browser session. `session_id` is the session its exchange opened, revoked if the code comes back.
    """

    code_hash = fields.CharField(max_length=64, primary_key=True)
    client: fields.ForeignKeyRelation[OAuthClient] = fields.ForeignKeyField(
        "models.OAuthClient", related_name="codes", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="codes", on_delete=fields.CASCADE
    )
    redirect_uri = fields.CharField(max_length=2000)
    scope = fields.CharField(max_length=1000)
    nonce = fields.CharField(max_length=500, null=True)
    code_challenge = fields.CharField(max_length=128, null=True)
    login_session_id = fields.CharField(max_length=36)
    auth_time = fields.DatetimeField()
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    used_at = fields.DatetimeField(null=True)
    session_id = fields.CharField(max_length=36, null=True)

    class Meta:
        table = "authorization_codes"


class DeviceAuthorization(Model):
    """A device flow's authorization (RFC 8628), its device code known only by its SHA-256.

    The user code is what a person types, then the person's decision is kept: all of its state is here, so
    every worker agrees.

    `status` is pending, approved, denied or used; `scope` is what was asked, then what was granted.
    `interval` grows by 5 seconds at each poll that came too early. `session_id` is the session its exchange
    opened.
    """

    device_code_hash = fields.CharField(max_length=64, primary_key=True)
    user_code = fields.CharField(max_length=8, unique=True)
    client: fields.ForeignKeyRelation[OAuthClient] = fields.ForeignKeyField(
        "models.OAuthClient", related_name="device_authorizations", on_delete=fields.CASCADE
    )
    scope = fields.CharField(max_length=1000)
    status = fields.CharField(max_length=8, default="pending")
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    interval = fields.IntField()
    last_polled_at = fields.DatetimeField(null=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="device_authorizations", on_delete=fields.CASCADE, null=True
    )
    login_session_id = fields.CharField(max_length=36, null=True)
    auth_time = fields.DatetimeField(null=True)
    session_id = fields.CharField(max_length=36, null=True)

    class Meta:
        table = "device_authorizations"


class Consent(Model):
    """What a user allowed a client to see: a later request for the same or fewer scopes asks no more."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="consents", on_delete=fields.CASCADE
    )
    client: fields.ForeignKeyRelation[OAuthClient] = fields.ForeignKeyField(
        "models.OAuthClient", related_name="consents", on_delete=fields.CASCADE
    )
    scope = fields.CharField(max_length=1000)
    granted_at = fields.DatetimeField()

    class Meta:
        table = "consents"
        unique_together = (("user", "client"),)


class ClientGrant(Model):
    """One client_credentials token's grant: revoking it, or deleting the client, ends the token."""

    id = fields.UUIDField(primary_key=True)
    client: fields.ForeignKeyRelation[OAuthClient] = fields.ForeignKeyField(
        "models.OAuthClient", related_name="grants", on_delete=fields.CASCADE
    )
    scope = fields.CharField(max_length=1000)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "client_grants"


class TotpSecret(Model):
    """A user's TOTP secret, sealed under SECRET_KEY: pending until a first code confirms it.

    `last_step` is the latest time step a code was accepted for: a code for it or an earlier one is a replay.
    """

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="totp", on_delete=fields.CASCADE
    )
    sealed_secret = fields.TextField()
    created_at = fields.DatetimeField()
    confirmed_at = fields.DatetimeField(null=True)
    last_step = fields.BigIntField(null=True)

    class Meta:
        table = "totp_secrets"


class RecoveryCode(Model):
    """One recovery code of a user, known only by its SHA-256, usable once."""

    code_hash = fields.CharField(max_length=64, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="recovery_codes", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "recovery_codes"


class MfaChallenge(Model):
    """The second step of a login: the right password was given, a code is awaited (`mfa_token`, by SHA-256).

    It lasts minutes, is used once, and dies after a few wrong codes. `scope` is what the login asked for.
    """

    token_hash = fields.CharField(max_length=64, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="mfa_challenges", on_delete=fields.CASCADE
    )
    scope = fields.CharField(max_length=1000, null=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    failures = fields.IntField(default=0)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mfa_challenges"


class SessionClient(Model):
    """An app that received tokens in a session, and the `sid` its id_tokens name: whom a logout tells."""

    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="clients", on_delete=fields.CASCADE
    )
    client: fields.ForeignKeyRelation[OAuthClient] = fields.ForeignKeyField(
        "models.OAuthClient", related_name="sessions", on_delete=fields.CASCADE
    )
    sid = fields.CharField(max_length=36, db_index=True)

    class Meta:
        table = "session_clients"
        unique_together = (("session", "client"),)


class BackchannelLogout(Model):
    """A logout token to post to an app, written in the transaction that ends the session, sent by a
    background task, claimed and retried as the mail outbox is.

    It holds the values, not the user or session rows, so an account deleted with its sessions is still told.
    """

    id = fields.IntField(primary_key=True)
    client_id = fields.CharField(max_length=64)
    subject = fields.CharField(max_length=64)
    sid = fields.CharField(max_length=36)
    created_at = fields.DatetimeField()
    due_at = fields.DatetimeField(db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=500, null=True)
    delivered_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "backchannel_logouts"
        unique_together = (("client_id", "sid"),)


# what a `GET /user/me` answer shows or checks: the user, and whether the token's session is still on
watch(User, Watch(user_field="id"))
watch(Session, Watch(user_field="user_id", fields=frozenset({"user_id", "revoked_at"})))


class PasskeyUser(Model):
    """A user's WebAuthn user handle: random, never the database id, made with the first passkey."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="passkey_handle", on_delete=fields.CASCADE
    )
    handle = fields.CharField(max_length=128, unique=True)

    class Meta:
        table = "passkey_users"


class Passkey(Model):
    """A passkey (a WebAuthn credential): its id and public key (base64url), signature counter and backup
    flags, transports, the name its owner gave it, and when it was made and last used."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="passkeys", on_delete=fields.CASCADE
    )
    credential_id = fields.CharField(max_length=1400, unique=True)
    public_key = fields.TextField()
    sign_count = fields.BigIntField(default=0)
    backup_eligible = fields.BooleanField(default=False)
    backed_up = fields.BooleanField(default=False)
    transports: list[str] = fields.JSONField(default=list)
    name = fields.CharField(max_length=100)
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "passkeys"


class PasskeyChallenge(Model):
    """A WebAuthn challenge, single use, for five minutes: bound to the user adding a passkey, or to nobody
    (a discoverable sign-in). Known by the SHA-256 of its id."""

    id_hash = fields.CharField(max_length=64, primary_key=True)
    challenge = fields.CharField(max_length=200)
    purpose = fields.CharField(max_length=16)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="passkey_challenges", on_delete=fields.CASCADE, null=True
    )
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "passkey_challenges"


class IdentityProvider(Model):
    """Another OpenID Connect provider users may sign in with, its client secret sealed under SECRET_KEY."""

    name = fields.CharField(max_length=40, primary_key=True)
    display_name = fields.CharField(max_length=100)
    issuer = fields.CharField(max_length=500)
    client_id = fields.CharField(max_length=500)
    sealed_secret = fields.TextField(null=True)
    scopes = fields.CharField(max_length=500)
    link_verified_email = fields.BooleanField(default=False)
    create_accounts = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "identity_providers"


class Identity(Model):
    """A user's account at another provider, known by (issuer, subject), never by e-mail address."""

    id = fields.IntField(primary_key=True)
    provider: fields.ForeignKeyRelation[IdentityProvider] = fields.ForeignKeyField(
        "models.IdentityProvider", related_name="identities", on_delete=fields.CASCADE
    )
    issuer = fields.CharField(max_length=500)
    subject = fields.CharField(max_length=255)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="identities", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=320, null=True)
    linked_at = fields.DatetimeField()

    class Meta:
        table = "identities"
        unique_together = (("issuer", "subject"),)


class Role(Model):
    """A role the team's other apps authorize on (`billing-admin`), named by a slug."""

    name = fields.CharField(max_length=64, primary_key=True)
    description = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "roles"
        manager = TrackedManager()


class Group(Model):
    """A group of users: each member holds every role of the group."""

    name = fields.CharField(max_length=64, primary_key=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "role_groups"
        manager = TrackedManager()


class GroupRole(Model):
    """A role a group gives its members."""

    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[Group] = fields.ForeignKeyField(
        "models.Group", related_name="role_links", on_delete=fields.CASCADE
    )
    role: fields.ForeignKeyRelation[Role] = fields.ForeignKeyField(
        "models.Role", related_name="group_links", on_delete=fields.CASCADE
    )

    class Meta:
        table = "group_roles"
        unique_together = (("group", "role"),)
        manager = TrackedManager()


class GroupMember(Model):
    """A user's membership of a group."""

    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[Group] = fields.ForeignKeyField(
        "models.Group", related_name="members", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="group_links", on_delete=fields.CASCADE
    )

    class Meta:
        table = "group_members"
        unique_together = (("group", "user"),)
        manager = TrackedManager()


class UserRole(Model):
    """A role granted to a user directly."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="role_links", on_delete=fields.CASCADE
    )
    role: fields.ForeignKeyRelation[Role] = fields.ForeignKeyField(
        "models.Role", related_name="user_links", on_delete=fields.CASCADE
    )

    class Meta:
        table = "user_roles"
        unique_together = (("user", "role"),)
        manager = TrackedManager()


# a `GET /user/me` answer with the `roles` scope shows the effective roles: a grant or a membership touches
# its user; a role, a group or a group's roles touch everyone (rare administrative writes)
watch(UserRole, Watch(user_field="user_id", on_create=True))
watch(GroupMember, Watch(user_field="user_id", on_create=True))
watch(GroupRole, Watch(user_field=None, on_create=True))
watch(Group, Watch(user_field=None))
watch(Role, Watch(user_field=None))
# an app's tokens show the roles its `allowed_roles` lets through and what its scopes allow, and
# introspection's callers are known by their secret (a client deleted touches everyone too, but its users'
# sessions end with it anyway); these are rare administrative writes
_CLIENT_FIELDS = frozenset({"allowed_roles", "scopes", "secret_hash", "confidential"})
watch(OAuthClient, Watch(user_field=None, fields=_CLIENT_FIELDS))
