"""The authentication service: `create_app()` builds it; `api:app` is the app for the default settings."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from tortoise.contrib.fastapi import RegisterTortoise
from tortoise.timezone import now

from api.bootstrap import answer_cache, build_state, prepare_schema
from api.config import Settings, get_settings
from api.core import scopes
from api.db import wal
from api.db.changes import Changes
from api.db.connection import database_config, sqlite_file
from api.errors import DomainError
from api.hotpath import me
from api.hotpath import userinfo as userinfo_path
from api.hotpath.change_feed import Announcer
from api.hotpath.change_tracking import ChangeTracking
from api.hotpath.client_auth import ClientAuthCache
from api.hotpath.introspect import IntrospectionFastPath
from api.hotpath.me import MeFastPath
from api.hotpath.token import TokenFastPath
from api.hotpath.userinfo import UserinfoFastPath
from api.http.body_limit import BodySizeLimit
from api.http.error_handlers import (
    domain_error_handler,
    token_aware_http_exception_handler,
    validation_error_handler,
)
from api.http.openapi import install_openapi
from api.http.request_metrics import RequestMetrics
from api.observability import audit as audit_log
from api.routes import (
    account,
    account_mfa,
    admin,
    audit,
    auth,
    authorize,
    clients,
    consents,
    device,
    device_pages,
    email,
    email_pages,
    end_session,
    groups,
    identity_providers,
    invitations,
    mfa,
    oidc,
    ops,
    pages,
    passkeys,
    roles,
    social,
    token,
    users,
    users_admin,
)
from api.routes.introspection import introspection_router
from api.routes.metrics import metrics_router
from api.routes.responses import MALFORMED_BODY

__all__ = ["create_app"]


def create_app(
    settings: Settings | None = None,
    *,
    fast_paths: bool = True,
    clock: Callable[[], datetime] = now,
) -> FastAPI:
    """The FastAPI app for these settings (by default, the environment's).

    `fast_paths=False` leaves `GET /user/me`, `GET /userinfo`, introspection and the plain grants to their
    routes (the tests compare the answers); `clock` is what expiring links, throttles and the outbox take as
    "now" (tests move it forward).
    """
    settings = settings if settings is not None else get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(settings, clock=clock)
        app.state.auth = state
        answers, feed = answer_cache(settings)
        app.state.answers = answers
        app.state.client_auths = ClientAuthCache(answers)
        app.state.announce = Announcer(answers.counters)
        try:
            await state.hasher.warm_up()
            async with RegisterTortoise(app, config=database_config(settings)):
                await prepare_schema(settings)
                await state.keys.prepare()
                state.keys.start()
                if feed is not None:
                    feed.start()
                # mails left pending by a stop or a crash go out now
                state.delivery.start()
                # and so do back-channel logouts
                state.backchannel.start()
                audit_log.attach(state.audit)
                state.audit.start()
                checkpointer = None
                if (database_file := sqlite_file(settings.database_url)) is not None:
                    checkpointer = wal.Checkpointer(database_file)
                    checkpointer.start()
                try:
                    yield
                finally:
                    await state.delivery.stop()
                    await state.backchannel.stop()
                    # last of the tasks that write: the others' final events are stored too
                    audit_log.detach(state.audit)
                    await state.audit.stop()
                    if checkpointer is not None:
                        await checkpointer.stop()
                    await state.keys.stop()
                    if feed is not None:
                        await feed.stop()
        finally:
            state.hasher.close()

    app = FastAPI(
        title="Auth service",
        version="0.3.0",
        description="Registration, OAuth2 password and client_credentials flows, an OpenID Connect provider "
        "(authorization code + PKCE), JWT access tokens, JWKS and introspection.",
        lifespan=lifespan,
        exception_handlers={
            RequestValidationError: validation_error_handler,
            HTTPException: token_aware_http_exception_handler,
            DomainError: domain_error_handler,
        },
        responses=MALFORMED_BODY,
        # /docs is served by routes/pages.py with local assets; ReDoc would need a CDN
        docs_url=None,
        redoc_url=None,
    )

    async def announce(made: Changes) -> None:
        announcer: Announcer = app.state.announce
        await announcer(made)

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if fast_paths:
        app.add_middleware(TokenFastPath, token_path=settings.token_path)
        app.add_middleware(UserinfoFastPath)
        app.add_middleware(MeFastPath)
    # around the routes and the fast paths: it sees an answer start once its change has committed
    app.add_middleware(ChangeTracking, announce=announce)
    if fast_paths:
        # outside: what it answers itself only reads (as GET /user/me does), and the rest goes through
        app.add_middleware(IntrospectionFastPath, token_path=settings.token_path)
    if settings.metrics_token is not None:
        # added last, so outermost: it also sees the fast path's answers and the body limit's 413s
        app.add_middleware(
            RequestMetrics,
            fast_paths=me.PATHS
            | {settings.token_path, f"{settings.token_path}/introspect", userinfo_path.PATH},
        )
    app.include_router(auth.router)
    app.include_router(token.token_router(settings.token_path))
    app.include_router(introspection_router(settings.token_path))
    # /users/me before /users/{user_id}
    app.include_router(consents.router)
    app.include_router(passkeys.router)
    app.include_router(passkeys.sign_in_router)
    app.include_router(identity_providers.mine)
    app.include_router(identity_providers.admin)
    app.include_router(social.pages)
    app.include_router(users.router)
    app.include_router(mfa.router)
    app.include_router(users_admin.router)
    app.include_router(audit.router)
    app.include_router(invitations.admin)
    app.include_router(invitations.router)
    app.include_router(roles.router)
    app.include_router(roles.users_router)
    app.include_router(groups.router)
    app.include_router(clients.router)
    app.include_router(email.router)
    app.include_router(email_pages.router)
    app.include_router(ops.router)
    app.include_router(oidc.router)
    app.include_router(authorize.router)
    app.include_router(device.router)
    app.include_router(device_pages.router)
    app.include_router(end_session.router)
    if settings.metrics_token is not None:
        app.include_router(metrics_router(settings.metrics_token))
    app.include_router(pages.router)
    app.include_router(account.router)
    app.include_router(account_mfa.router)
    for console_router in admin.routers:
        app.include_router(console_router)
    app.mount(
        "/static/swagger-ui",
        StaticFiles(directory=str(files("fastapi_offline") / "static")),
        name="swagger-ui",
    )
    app.mount("/static", StaticFiles(directory=str(files("api") / "static")), name="static")
    # the password flow's scopes: OpenID Connect's belong to the authorization code flow
    password_scopes = {
        name: words
        for name, words in scopes.defined(settings.api_scopes).items()
        if name not in scopes.OPENID_CONNECT
    }
    install_openapi(app, token_url=settings.token_url, scope_descriptions=password_scopes)
    return app


def __getattr__(name: str) -> Any:
    # `uvicorn api:app` reads settings when it asks for the app, not when `api` is imported
    if name == "app":
        return create_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
