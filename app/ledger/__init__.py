"""The participation ledger: one row per countable act, written in the act's transaction.

Every figure of the evaluation feature is an SQL aggregation over this table (domain.md).
"""
