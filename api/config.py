"""Settings, read from the environment or a `.env` file."""

import os
import re
from functools import cached_property, lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# OWASP's minimum for Argon2id: 19 MiB, two passes, one lane
ARGON2_MIN_MEMORY_KIB = 19 * 1024
ARGON2_MIN_TIME_COST = 2

# RFC 6749 section 3.3: printable ASCII but space, double quote and backslash
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,100}")
_TOKEN_URL = re.compile(r"[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*")


class Settings(BaseSettings):
    """Every knob of the service; the names are the environment variables, upper-cased."""

    # a refused value is not repeated in the error: it may be SECRET_KEY or METRICS_TOKEN
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    database_url: str = "sqlite://data/auth.sqlite3"
    auto_migrate: bool = True
    data_dir: Path = Path("data")
    secret_key: SecretStr | None = None
    metrics_token: SecretStr | None = None
    token_url: str = "token"
    access_token_expire_minutes: int = Field(default=30, ge=1, le=24 * 60)
    refresh_token_expire_days: int = Field(default=14, ge=1, le=365)
    # RS256 and ES256 keep their keys in the database and publish them at /.well-known/jwks.json
    jwt_algorithm: Literal["HS256", "RS256", "ES256"] = "HS256"
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    registration_open: bool = True
    # scopes of the team's other APIs, space-separated: registered clients may hold them
    api_scopes: str = ""
    password_min_length: int = Field(default=8, ge=8, le=128)
    cookie_secure: bool = True
    argon2_memory_kib: int = Field(default=ARGON2_MIN_MEMORY_KIB, ge=ARGON2_MIN_MEMORY_KIB)
    argon2_time_cost: int = Field(default=ARGON2_MIN_TIME_COST, ge=ARGON2_MIN_TIME_COST)
    argon2_parallelism: int = Field(default=1, ge=1, le=16)
    # the cores this process may run on (taskset, cgroups), not the machine's: more threads than cores
    # only make the memory-hard hashes evict each other from the cache
    hash_concurrency: int = Field(default_factory=lambda: len(os.sched_getaffinity(0)), ge=1, le=256)
    login_max_failures: int = Field(default=5, ge=1, le=1000)
    login_max_failures_per_address: int = Field(default=100, ge=1, le=1_000_000)
    login_failure_window_seconds: int = Field(default=15 * 60, ge=1, le=24 * 3600)
    login_max_delay_seconds: int = Field(default=15 * 60, ge=1, le=24 * 3600)
    trusted_proxies: str = ""
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    public_url: str = "http://localhost:8000"
    # may hold the SMTP password
    smtp_url: SecretStr | None = None
    mail_from: str = "Auth service <no-reply@localhost>"
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    email_verification_expire_hours: int = Field(default=48, ge=1, le=24 * 30)
    password_reset_expire_minutes: int = Field(default=60, ge=5, le=24 * 60)
    invitation_expire_hours: int = Field(default=72, ge=1, le=24 * 30)
    # stored audit events older than this are deleted by the periodic clean-up (the log lines stay)
    audit_retention_days: int = Field(default=90, ge=1, le=10 * 365)
    require_verified_email: bool = False
    # other identity providers over plain http beyond loopback hosts (a private network); https otherwise
    allow_http_providers: bool = False
    # how long a worker may give a `GET /user/me` answer again without the database, unless anything it
    # depends on changes first (which every worker hears of at once); 0 turns the cache off
    answer_cache_seconds: float = Field(default=60.0, ge=0, le=600)
    # SQLite: FULL keeps every acknowledged write through a power cut; NORMAL may lose the last few, for speed
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    # administrators without two-factor get tokens without `admin`
    mfa_required_for_admins: bool = False
    # passkeys: the relying party id (default: PUBLIC_URL's host), its name, and the origins a ceremony may
    # come from (comma-separated; default: PUBLIC_URL's origin)
    webauthn_rp_id: str | None = None
    webauthn_rp_name: str = Field(default="Auth service", min_length=1, max_length=100)
    webauthn_origins: str = ""
    # how long a back-channel logout is retried while the app answers 5xx or cannot be reached
    backchannel_logout_retry_hours: int = Field(default=24, ge=1, le=24 * 30)

    @field_validator("token_url")
    @classmethod
    def _token_url_is_a_path(cls, value: str) -> str:
        path = value.strip("/")
        if not _TOKEN_URL.fullmatch(path):
            raise ValueError("TOKEN_URL must be a URL path such as 'token' or 'auth/token'")
        return path

    @field_validator("secret_key")
    @classmethod
    def _secret_key_is_strong(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters (try: openssl rand -hex 32)")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url_is_a_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("PUBLIC_URL must be an http(s) base URL such as https://auth.example.com")
        return value.rstrip("/")

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_is_smtp(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parts = urlsplit(value.get_secret_value())
            if parts.scheme not in ("smtp", "smtp+starttls", "smtps") or not parts.hostname:
                raise ValueError(
                    "SMTP_URL must be smtp://, smtp+starttls:// or smtps://[user:pass@]host[:port]"
                )
        return value

    @field_validator("api_scopes")
    @classmethod
    def _api_scopes_are_scope_tokens(cls, value: str) -> str:
        names = value.split()
        if any(not _SCOPE_TOKEN.fullmatch(name) for name in names):
            raise ValueError("API_SCOPES must be space-separated scope names without quotes or backslashes")
        if {"profile", "admin"} & set(names):
            raise ValueError("API_SCOPES must not repeat the built-in scopes profile and admin")
        return " ".join(dict.fromkeys(names))

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies_are_networks(cls, value: str) -> str:
        _networks(value)
        return value

    @cached_property
    def trusted_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """The proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES: addresses or CIDRs)."""
        return _networks(self.trusted_proxies)

    @field_validator("webauthn_origins")
    @classmethod
    def _webauthn_origins_are_origins(cls, value: str) -> str:
        for origin in (part.strip() for part in value.split(",") if part.strip()):
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
                raise ValueError(
                    "WEBAUTHN_ORIGINS must be comma-separated origins such as https://auth.example.com"
                )
        return value

    @property
    def passkey_rp_id(self) -> str:
        """WEBAUTHN_RP_ID, or PUBLIC_URL's host."""
        return self.webauthn_rp_id or urlsplit(self.public_url).hostname or "localhost"

    @property
    def passkey_origins(self) -> list[str]:
        """WEBAUTHN_ORIGINS, or PUBLIC_URL's origin."""
        listed = [part.strip().rstrip("/") for part in self.webauthn_origins.split(",") if part.strip()]
        if listed:
            return listed
        parts = urlsplit(self.public_url)
        return [f"{parts.scheme}://{parts.netloc}"]

    @property
    def token_path(self) -> str:
        """The token endpoint's absolute path, e.g. `/token`."""
        return f"/{self.token_url}"


def _networks(text: str) -> tuple[IPv4Network | IPv6Network, ...]:
    try:
        return tuple(ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError("TRUSTED_PROXIES must be comma-separated IP addresses or networks") from None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
