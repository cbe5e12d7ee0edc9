"""The initiatives block of the home page: a few initiatives waiting for supports."""

from app.core.blocks import register_home_block
from app.initiatives import queries
from app.initiatives.models import Status


@register_home_block(order=20)
def initiatives_to_support(structure, person) -> dict | None:
    """Up to three initiatives open for support, newest first (nothing when there is none)."""
    if structure is None:
        return None
    page = queries.public_page(structure.id, status=Status.OPEN.value, per_page=3)
    if not page.items:
        return None
    return {"template": "initiatives/_home_block.html", "initiatives": page.items}
