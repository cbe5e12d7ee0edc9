"""Instances: list, detail, creation and rules, membership (seats)."""

from flask import Blueprint

bp = Blueprint("instances", __name__, url_prefix="/instances")
