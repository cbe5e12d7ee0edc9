"""The accueil block of the home page, for staff: the desk is one tap away."""

from flask_login import current_user

from app.centres.permissions import can_assist_people
from app.core.blocks import register_home_block


@register_home_block(order=5)
def accueil_desk(structure, person) -> dict | None:
    """Staff see shortcuts to the accueil desk (not while acting for someone)."""
    if person is None or person is not current_user or not can_assist_people(current_user, structure):
        return None
    return {"template": "accounts/_home_block.html"}
