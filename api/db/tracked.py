"""Every write to a model that cached answers depend on notes the users it touches, whichever way it is made.

The models an answer shows or checks (`User`, `Session`) get `TrackedManager`: their querysets' `update()` and
`delete()` read the affected users first, in the same transaction, and note them once the write has matched
any row; an instance's `save()` and `delete()` note theirs through Tortoise's signals. A write that changes
only fields no answer reads (a session's `last_used_at`) notes nothing. Tortoise's query classes are reached
through `api.db.internals`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tortoise.manager import Manager
from tortoise.models import Model
from tortoise.queryset import DeleteQuery, QuerySet, UpdateQuery
from tortoise.signals import post_delete, post_save

from api.db import changes, internals


@dataclass(frozen=True, slots=True)
class Watch:
    """Which column names the user a row concerns (None: every user), which fields an answer reads (None:
    every one), and whether a new row changes an answer (a role granted does; a new session does not)."""

    user_field: str | None
    fields: frozenset[str] | None = None
    on_create: bool = False

    def matters(self, written: Iterable[str] | None) -> bool:
        """Whether a write of these fields (None: every field) can change an answer."""
        if self.fields is None or written is None:
            return True
        return not self.fields.isdisjoint(written)


WATCHED: dict[type[Model], Watch] = {}


class TrackedQuerySet(QuerySet[Any]):
    """A queryset whose bulk writes note the users they touch."""

    def update(self, **kwargs: Any) -> UpdateQuery:
        watch = WATCHED[self.model]
        if not watch.matters(kwargs):
            return super().update(**kwargs)
        if watch.user_field is None:
            changes.touched_everyone()
            return super().update(**kwargs)
        return internals.noted_update(self, kwargs, user_field=watch.user_field, noted=_note)

    def delete(self) -> DeleteQuery:
        user_field = WATCHED[self.model].user_field
        if user_field is None:
            changes.touched_everyone()
            return super().delete()
        return internals.noted_delete(self, user_field=user_field, noted=_note)

    def bulk_update(self, *_args: Any, **_kwargs: Any) -> Any:
        raise TypeError(f"bulk_update of {self.model.__name__} would not note the users it touches")


class TrackedManager(Manager):
    """The manager of a model that cached answers depend on."""

    def get_queryset(self) -> QuerySet[Any]:
        return TrackedQuerySet(self._model)


def _note(users: list[Any], count: int) -> None:
    if count:
        changes.touched(int(user) for user in users)


def watch(model: type[Model], how: Watch) -> None:
    """Note the users every write of `model` touches."""
    WATCHED[model] = how

    def note(instance: Model) -> None:
        if how.user_field is None:
            changes.touched_everyone()
        else:
            changes.touched([int(getattr(instance, how.user_field))])

    async def saved(
        _sender: type[Model], instance: Model, created: bool, _db: Any, update_fields: list[str] | None
    ) -> None:
        if how.on_create if created else how.matters(update_fields):
            note(instance)

    async def deleted(_sender: type[Model], instance: Model, _db: Any) -> None:
        note(instance)

    post_save(model)(saved)
    post_delete(model)(deleted)
