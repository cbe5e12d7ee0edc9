"""Which centres an evaluation page is about, and links to the other evaluation pages."""

from dataclasses import dataclass

from flask import abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from app.centres.current import active_structures, current_structure
from app.centres.models import Structure
from app.evaluation.permissions import can_view_all_centres, can_view_evaluation


def endpoint_url(endpoint: str, **values) -> str | None:
    """The URL of another page when it exists and its values are given; else None (no link rather than a 500)."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@dataclass
class Selection:
    """The centres a page is about: one (`structure`), or every centre for a platform admin."""

    structures: list[Structure]
    structure: Structure | None
    centre: str | None = None

    @property
    def ids(self) -> list[int]:
        return [s.id for s in self.structures]

    @property
    def name(self) -> str:
        if self.structure is not None:
            return self.structure.name
        return _("Tous les centres (%(n)s)", n=len(self.structures))

    def args(self) -> dict[str, str]:
        return {"centre": self.centre} if self.centre else {}


def select_centres(*, allow_all: bool = True) -> Selection:
    """The current centre, or `?centre=<id>` (a centre the person may see) or `?centre=all`
    (platform admins, where the page allows it). A centre the person may not see is a 404;
    a person who may not see the evaluation at all gets a 403."""
    structure = current_structure()
    if structure is None:
        abort(404)
    wanted = (request.args.get("centre") or "").strip()
    if wanted == "all" and allow_all and can_view_all_centres(current_user):
        return Selection(active_structures(), None, "all")
    if wanted.isdigit():
        found = next((s for s in active_structures() if s.id == int(wanted)), None)
        if found is not None and can_view_evaluation(current_user, found):
            return Selection([found], found, wanted)
        if found is None or found.id != structure.id:
            abort(404)
    elif wanted:
        abort(404)
    if not can_view_evaluation(current_user, structure):
        abort(403)
    return Selection([structure], structure)
