"""The volunteering block of the home page: my next shift, or missions looking for bénévoles."""

from app.core.blocks import register_home_block
from app.volunteering import queries


@register_home_block(order=25)
def volunteering_block(structure, person) -> dict | None:
    """My next shift if I have one, else up to three missions with free places (else nothing)."""
    if structure is None:
        return None
    if getattr(person, "is_authenticated", False):
        mine = queries.next_signup(person.id, structure.id)
        if mine is not None:
            return {"template": "volunteering/_home_block.html", "mine": mine, "missions": []}
    missions = queries.missions_needing_people(structure.id, limit=3)
    if not missions:
        return None
    return {"template": "volunteering/_home_block.html", "mine": None, "missions": missions}
