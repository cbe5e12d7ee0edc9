"""Column types shared by the features."""

import enum

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


class IntEnumType(TypeDecorator):
    """Store an `enum.IntEnum` as a small integer, so SQL can compare (`role >= STAFF`)."""

    impl = sa.SmallInteger
    cache_ok = True

    def __init__(self, enum_class: type[enum.IntEnum], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.enum_class = enum_class

    def process_bind_param(self, value, dialect):
        return None if value is None else int(value)

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum_class(value)


def str_enum(enum_class: type[enum.StrEnum], length: int = 32) -> sa.Enum:
    """A portable VARCHAR + CHECK enum storing the members' values."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
