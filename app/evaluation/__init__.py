"""Evaluation: the projet social (axes → objectives → actions → indicators), the metrics catalogue of
domain.md §9, anonymous headcounts, manual figures, the dashboard, the SENACS sheet and the report.

It sits on top of every feature: it reads the ledger and the features' tables, and nothing imports it.
"""
