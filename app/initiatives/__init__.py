"""Initiatives d'habitants: habitants propose, staff moderate, everyone supports and follows them."""
