"""The OpenAPI document, with the password flow's tokenUrl and the scopes taken from settings."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi


def install_openapi(app: FastAPI, *, token_url: str, scope_descriptions: dict[str, str]) -> None:
    """Make `app.openapi()` point Swagger's Authorize button at the configured token URL."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            # the security scheme is declared once at import time; the token URL is known only per app
            for scheme in schema.get("components", {}).get("securitySchemes", {}).values():
                if scheme.get("type") == "oauth2":
                    scheme["flows"]["password"]["tokenUrl"] = token_url
                    scheme["flows"]["password"]["scopes"] = scope_descriptions
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
