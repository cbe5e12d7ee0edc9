"""Figures entered by people: anonymous headcounts and the direction's manual figures."""

from flask import Blueprint

bp = Blueprint("evaluation_data", __name__, url_prefix="/evaluation")
