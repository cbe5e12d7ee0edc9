"""Missions and shifts: browse, sign up, waitlist, my shifts, roster and attendance."""

from flask import Blueprint

bp = Blueprint("volunteering", __name__, url_prefix="/benevolat")
