"""What leaves the centre: CSV/XLSX tables, the SENACS aide-à-la-saisie sheet, the printable
projet social evaluation report ("< 5" masking everywhere)."""

from flask import Blueprint

bp = Blueprint("evaluation_exports", __name__, url_prefix="/evaluation")
