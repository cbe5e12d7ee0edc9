"""Writing the projet social: period, axes, objectives, actions, indicators, and the objectives
that initiatives, instances and missions serve."""

from flask import Blueprint

bp = Blueprint("social_project", __name__, url_prefix="/evaluation/projet-social")
