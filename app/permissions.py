"""Authorisation helpers shared by every feature (architecture.md C.4).

Predicates are plain functions `can_<verb>_<noun>(user, obj) -> bool` that live in each
feature's `permissions.py`; they register here with `@predicate` so templates can call them
through the `can()` global and routes through `require()`.
"""

from collections.abc import Callable

from flask import abort
from flask_login import current_user

_PREDICATES: dict[str, Callable[..., bool]] = {}


def predicate(func: Callable[..., bool]) -> Callable[..., bool]:
    """Register `func` so that templates can call `can("<name>", obj)`."""
    _PREDICATES[func.__name__] = func
    return func


def can(name: str, *args) -> bool:
    """Jinja global: does the current user pass the named predicate?"""
    return bool(_PREDICATES[name](current_user, *args))


def require(check: Callable[..., bool], *args) -> None:
    """Abort with 403 unless the current user passes `check(user, *args)`."""
    if not check(current_user, *args):
        abort(403)
