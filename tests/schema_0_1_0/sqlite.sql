CREATE TABLE "login_throttle" (
    "key" VARCHAR(64) NOT NULL PRIMARY KEY,
    "failures" INT NOT NULL,
    "last_failure_at" TIMESTAMP NOT NULL,
    "blocked_until" TIMESTAMP
) /* Recent failed logins for one key: a client address, or an address and username together (hashed). */;
CREATE INDEX "idx_login_throt_last_fa_693df2" ON "login_throttle" ("last_failure_at");
CREATE TABLE "users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "username" VARCHAR(150) NOT NULL,
    "username_key" VARCHAR(150) NOT NULL UNIQUE,
    "email" VARCHAR(320) UNIQUE,
    "full_name" VARCHAR(200),
    "password_hash" VARCHAR(255) NOT NULL,
    "disabled" INT NOT NULL,
    "is_admin" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL
) /* An account. `username_key` (NFKC, case-folded) is what makes usernames unique. */;
CREATE TABLE "sessions" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "scope" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "last_used_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "revoked_at" TIMESTAMP,
    "user_agent" VARCHAR(400),
    "ip" VARCHAR(45),
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
) /* One login and the refresh tokens rotated from it (the token family); revoking it ends them all. */;
CREATE INDEX "idx_sessions_expires_6bcc94" ON "sessions" ("expires_at");
CREATE TABLE "refresh_tokens" (
    "token_hash" VARCHAR(64) NOT NULL PRIMARY KEY,
    "expires_at" TIMESTAMP NOT NULL,
    "used_at" TIMESTAMP,
    "session_id" CHAR(36) NOT NULL REFERENCES "sessions" ("id") ON DELETE CASCADE
) /* A refresh token, known only by its SHA-256; `used_at` is set when it is rotated. */;
CREATE INDEX "idx_refresh_tok_expires_310999" ON "refresh_tokens" ("expires_at");
