"""The dashboard, the indicators against their targets, and the evaluation snapshots."""

from flask import Blueprint

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")
