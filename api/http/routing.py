"""Which route owns a URL: a path spelled out owns it against a template, and a 405 names every method."""

import re
from typing import Any

from fastapi import FastAPI
from starlette.convertors import CONVERTOR_TYPES, Convertor, register_url_convertor
from starlette.routing import Match
from starlette.types import Scope

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class _Segment(Convertor[str]):
    """A path segment, as Starlette's `str` convertor takes it."""

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def _except(word: str) -> _Segment:
    class Except(_Segment):
        regex = f"(?!{re.escape(word)}$)[^/]+"

    return Except()


def segment_except(name: str, word: str) -> str:
    """`{name}` for a route's path that never matches `word` (`/users/{user_id}` leaves `/users/me` to its
    own route, so a method `/users/me` lacks is a 405 there, not a 422 about a user id)."""
    key = f"except_{word}"
    if key not in CONVERTOR_TYPES:
        register_url_convertor(key, _except(word))
    return f"{{{name}:{key}}}"


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route answers at this request's path (RFC 9110 15.5.6: `Allow` lists them all)."""
    return [method for method in _METHODS if _answers(app, {**scope, "method": method})]


def _answers(app: FastAPI, scope: dict[str, Any]) -> bool:
    return any(route.matches(scope)[0] == Match.FULL for route in app.router.routes)
