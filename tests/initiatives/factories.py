"""Build initiatives through the services, so timelines and the ledger stay true."""

from app.extensions import db
from app.initiatives import services
from app.initiatives.models import Initiative, Status


def make_initiative(structure, author, staff=None, *, status: Status = Status.OPEN, **data) -> Initiative:
    """An initiative of `author` brought to `status` along the real lifecycle (staff act when needed)."""
    fields = {"title": "Fête des voisins", "summary": "Un repas partagé dans la cour, chacun apporte un plat."}
    fields.update(data)
    initiative = services.create_initiative(structure, author, fields, by=author)
    if status == Status.DRAFT:
        db.session.commit()
        return initiative
    services.submit_initiative(initiative, by=author)
    path = {
        Status.SUBMITTED: [],
        Status.CHANGES_REQUESTED: [lambda: services.request_changes(initiative, "Précisez la date.", by=staff)],
        Status.REJECTED: [lambda: services.reject_initiative(initiative, "duplicate", "Déjà proposée.", by=staff)],
        Status.OPEN: [lambda: services.publish_initiative(initiative, by=staff)],
    }
    later = {
        Status.ACCEPTED: [Status.ACCEPTED],
        Status.DECLINED: [Status.DECLINED],
        Status.IN_PROGRESS: [Status.ACCEPTED, "start"],
        Status.COMPLETED: [Status.ACCEPTED, "start", "complete"],
    }
    if initiative.status == Status.SUBMITTED:
        for step in path.get(status, path[Status.OPEN]):
            step()
    for step in later.get(status, []):
        if step == "start":
            services.start_initiative(initiative, by=staff)
        elif step == "complete":
            services.complete_initiative(initiative, 30, "Belle journée.", by=staff)
        else:
            services.decide_initiative(
                initiative, step, "Le comité a dit oui." if step != Status.DECLINED else "Budget.", by=staff
            )
    db.session.commit()
    assert initiative.status == status, (initiative.status, status)
    return initiative
