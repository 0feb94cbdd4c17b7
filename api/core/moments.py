"""Times a client sends (a filter, a cursor) made comparable with stored ones; pure."""

from datetime import UTC, datetime

# PostgreSQL refuses a time outside years 1 to 9999 once it is in UTC: the bounds keep a day's margin
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def storable(moment: datetime) -> datetime:
    """The time in UTC (one without a zone is taken as UTC); ValueError outside what every database stores."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    if not _EARLIEST <= moment <= _LATEST:
        raise ValueError("Out of range")
    return moment.astimezone(UTC)
