"""Centres sociaux and EVS (structures): quartiers, themes, per-structure roles, settings."""
