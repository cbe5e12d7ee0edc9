"""Volunteer hours: declare, validate, my page and attestation, reports and exports."""

from flask import Blueprint

bp = Blueprint("hours", __name__, url_prefix="/benevolat")
