"""Column types shared by the models."""

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always returns them aware.

    SQLite has no time zones and would hand back naive values; this keeps both
    databases behaving the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use mhst.core.time.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def string_enum(enum_class: type[enum.Enum], name: str, length: int) -> Enum:
    """An enum stored as its values in a VARCHAR with a named CHECK constraint.

    Portable between SQLite and PostgreSQL, and adding a value is a constraint change,
    not an ALTER TYPE.
    """
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class LabelledEnum(enum.StrEnum):
    """A string enum whose ``label`` is its value in words: "assigned_to_cohort" is
    "Assigned to cohort". Members override ``label`` where words need more care."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def partial(sqlite: str, postgresql: str | None = None) -> dict:
    """An ``Index``'s WHERE (a partial index) on SQLite and PostgreSQL: a query uses the
    index only if its own WHERE states the same condition literally (not as parameters)."""
    return {"sqlite_where": text(sqlite), "postgresql_where": text(postgresql or sqlite)}
