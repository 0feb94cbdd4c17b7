"""What a token request's outcome leaves behind: its line in the audit log, its count, and a refusal's answer.

The token route and the refresh fast path both use it, so their logs and answers cannot drift apart.
"""

from typing import Any

from api.errors import (
    CloneSuspected,
    CodeReused,
    DomainError,
    EmailNotVerified,
    InactiveUser,
    InvalidAuthorizationCode,
    InvalidClient,
    InvalidCredentials,
    InvalidDeviceCode,
    InvalidOneTimeCode,
    InvalidPasskey,
    InvalidRefreshToken,
    MfaRequired,
    Throttled,
)
from api.http.oauth_errors import Refusal
from api.observability import audit, metrics
from api.services.sessions import RequestSource

# what a refused grant's audit line says; other refusals (a bad scope) are the client's mistake, not logged
_OUTCOMES: dict[type[DomainError], str] = {
    Throttled: "throttled",
    InvalidCredentials: "failure",
    InvalidRefreshToken: "failure",
    InactiveUser: "inactive",
    EmailNotVerified: "unverified",
    MfaRequired: "mfa_required",
    InvalidAuthorizationCode: "failure",
    InvalidDeviceCode: "failure",
}


def record(event: audit.Event, outcome: str, source: RequestSource, **details: Any) -> None:
    audit.record(event, outcome=outcome, ip=source.ip, user_agent=source.user_agent, **details)
    if event == "login":  # a password grant's outcome counts in auth_logins_total; refreshes are no logins
        metrics.count_login(outcome)


def refusal(exc: DomainError, *, event: audit.Event, source: RequestSource) -> Refusal:
    """The answer to a failed grant, with its line in the audit log."""
    if isinstance(exc, InvalidClient):  # whatever the grant, the client is what failed
        audit.record("client_authentication", outcome="failure", ip=source.ip, user_agent=source.user_agent)
    elif isinstance(exc, CloneSuspected):
        audit.record(
            "passkey_clone_suspected",
            outcome="refused",
            ip=source.ip,
            user_agent=source.user_agent,
            user_id=exc.user_id,
            passkey=exc.passkey_id,
        )
        record(event, "failure", source, user_id=exc.user_id, method="passkey")
    elif isinstance(exc, InvalidPasskey):
        record(event, "failure", source, method="passkey")
    elif isinstance(exc, CodeReused):
        audit.record(
            "code_reuse",
            outcome="revoked",
            ip=source.ip,
            user_agent=source.user_agent,
            user_id=exc.user_id,
            client_id=exc.client_id,
        )
    elif isinstance(exc, InvalidOneTimeCode):
        audit.record(
            "mfa_failure", outcome="failure", ip=source.ip, user_agent=source.user_agent, user_id=exc.user_id
        )
        metrics.count_login("mfa_failure")
    elif (outcome := _OUTCOMES.get(type(exc))) is not None:
        details: dict[str, Any] = {}
        if isinstance(exc, InvalidCredentials | MfaRequired):
            details["user_id"] = exc.user_id
        if isinstance(exc, Throttled):
            details["retry_after"] = exc.retry_after
        record(event, outcome, source, **details)
    return Refusal.of(exc)
