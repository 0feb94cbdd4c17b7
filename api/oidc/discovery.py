"""The provider's metadata (OpenID Connect Discovery 1.0, RFC 8414): every URL built from PUBLIC_URL."""

from typing import Any

from api.config import Settings
from api.core import scopes
from api.oidc import claims
from api.services import clients

CLIENT_AUTHENTICATION = ["client_secret_basic", "client_secret_post"]
GRANT_TYPES = [
    "authorization_code",
    "refresh_token",
    "password",
    "client_credentials",
    clients.DEVICE_CODE,
]


def issuer(settings: Settings) -> str:
    """JWT_ISSUER when set, else PUBLIC_URL."""
    return settings.jwt_issuer or settings.public_url


def authorization_server(settings: Settings) -> dict[str, Any]:
    """RFC 8414's document: the endpoints and what they support."""
    base = settings.public_url
    token_endpoint = f"{base}/{settings.token_url}"
    return {
        "issuer": issuer(settings),
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": token_endpoint,
        "device_authorization_endpoint": f"{base}/device_authorization",
        # "none": public clients, and the password and refresh grants as 0.1.0 took them
        "token_endpoint_auth_methods_supported": [*CLIENT_AUTHENTICATION, "none"],
        "revocation_endpoint": f"{token_endpoint}/revoke",
        "revocation_endpoint_auth_methods_supported": ["none"],
        "introspection_endpoint": f"{token_endpoint}/introspect",
        "introspection_endpoint_auth_methods_supported": CLIENT_AUTHENTICATION,
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "userinfo_endpoint": f"{base}/userinfo",
        "end_session_endpoint": f"{base}/end-session",
        "grant_types_supported": GRANT_TYPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": sorted(scopes.defined(settings.api_scopes)),
        "authorization_response_iss_parameter_supported": True,
    }


def openid_configuration(settings: Settings) -> dict[str, Any]:
    """OpenID Connect Discovery's document: RFC 8414's and the OpenID Provider's own fields."""
    algorithms = ["RS256", "ES256"] if settings.jwt_algorithm == "ES256" else ["RS256"]
    return {
        **authorization_server(settings),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algorithms,
        "claims_supported": claims.supported(),
        "prompt_values_supported": ["none", "login", "consent"],
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "claims_parameter_supported": False,
        "frontchannel_logout_supported": False,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
    }
