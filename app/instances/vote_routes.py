"""Motions and votes (in meeting or online), results, advisory opinions and their responses."""

from flask import Blueprint

bp = Blueprint("votes", __name__, url_prefix="/instances")
