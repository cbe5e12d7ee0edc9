"""Meetings of an instance: schedule, agenda, convocation, RSVP, attendance, minutes, follow-up."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/instances")
