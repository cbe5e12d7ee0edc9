"""Helpers importable by test modules (fixtures live in conftest.py)."""

from tests.conftest import PASSWORD, count_queries, hx

__all__ = ["PASSWORD", "count_queries", "hx"]
