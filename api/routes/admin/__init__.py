"""The administration console: server-rendered pages for signed-in administrators, a module per concern."""

from fastapi import APIRouter

from api.routes.admin import apps, audit, invitations, keys, providers, roles, user_actions, users

routers: list[APIRouter] = [
    users.router,
    user_actions.router,
    audit.router,
    apps.router,
    providers.router,
    keys.router,
    invitations.router,
    roles.router,
]
