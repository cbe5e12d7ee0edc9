"""The instances block of the home page: my instances and their next meeting, or an invitation."""

from app.core.blocks import register_home_block
from app.instances import queries


@register_home_block(order=30)
def my_instances_block(structure, person) -> dict | None:
    """A member sees their instances with the next meeting; others, up to three instances to join."""
    if structure is None or person is None or not person.is_authenticated:
        return None
    mine = queries.my_instances(structure.id, person.id)
    if mine:
        return {"template": "instances/_home_block.html", "mine": mine, "open": []}
    open_ones = queries.open_instances(structure.id, person.id)
    if not open_ones:
        return None
    return {"template": "instances/_home_block.html", "mine": [], "open": open_ones}
