"""Demo initiatives: real content, the expected statuses, idempotent, dated in the past."""

import sqlalchemy as sa

from app.demo import CENTRE, seed_demo
from app.extensions import db
from app.initiatives.demo import DEMO_INITIATIVES, seed_initiatives
from app.initiatives.models import HelpOffer, Initiative, InitiativeEvent, Status, Support
from app.ledger.models import LedgerEntry
from app.mail import OutboxEmail
from app.timeutil import utcnow


def _demo_structure():
    from app.centres.models import Structure

    return db.session.scalar(sa.select(Structure).where(Structure.name == CENTRE["name"]))


def test_seed_initiatives_twice_gives_no_duplicates_and_expected_statuses():
    seed_demo(extra_habitants=12)  # seeds the initiatives too
    db.session.commit()
    structure = _demo_structure()
    assert len(DEMO_INITIATIVES) == 8
    assert seed_initiatives(structure) == 0  # already there: nothing added
    seed_demo(extra_habitants=12)
    db.session.commit()
    initiatives = {i.title: i for i in db.session.scalars(sa.select(Initiative))}
    assert len(initiatives) == 8
    statuses = {title: i.status for title, i in initiatives.items()}
    assert statuses == {
        "Fête des voisins rue Branly": Status.OPEN,
        "Repair café mensuel": Status.COMPLETED,
        "Jardin partagé au pied des tours des Buers": Status.IN_PROGRESS,
        "Aide aux devoirs par des lycéens": Status.ACCEPTED,
        "Sortie familles au lac du Bourget": Status.SUBMITTED,
        "Atelier cuisine du monde": Status.OPEN,
        "Boîte à livres place Lazare-Goujon": Status.CHANGES_REQUESTED,
        "Tournoi de foot intergénérationnel": Status.POSTPONED,
    }
    repair = initiatives["Repair café mensuel"]
    assert repair.participants_count == 42 and "objets" in repair.bilan_text
    assert repair.author.email == "benevole@ensemble.test"
    boite = initiatives["Boîte à livres place Lazare-Goujon"]
    assert boite.events[-1].message.startswith("Belle idée")
    jardin = initiatives["Jardin partagé au pied des tours des Buers"]
    assert jardin.decision_text and jardin.coleads and jardin.coleads[0].confirmed_at is not None

    # Supports and the counter agree; help offers exist; nothing in the future.
    now = utcnow()
    for initiative in initiatives.values():
        count = db.session.scalar(sa.select(sa.func.count()).where(Support.initiative_id == initiative.id))
        assert initiative.support_count == count
        assert initiative.created_at < now
        assert all(e.at <= now for e in initiative.events)
        times = [e.at for e in initiative.events]
        assert times == sorted(times)
        assert "lorem" not in (initiative.description + initiative.summary).lower()
    assert initiatives["Fête des voisins rue Branly"].support_count == 8
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HelpOffer)) >= 8
    # Dates spread over the past months.
    published = sorted(i.published_at for i in initiatives.values() if i.published_at)
    assert (published[-1] - published[0]).days > 90
    # The ledger is dated with the acts, and nothing is counted twice.
    assert db.session.scalar(sa.select(sa.func.max(LedgerEntry.occurred_at))) < now
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InitiativeEvent)) > 8
    # No e-mail about a made-up past.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0


def test_seed_initiatives_works_with_only_the_base_accounts():
    seed_demo()
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == 8
    fete = db.session.scalar(sa.select(Initiative).where(Initiative.title == "Fête des voisins rue Branly"))
    assert fete.author.email == "habitant@ensemble.test"
    # Only two other habitants exist: they are the supporters.
    assert fete.support_count == 2


def test_seed_initiatives_without_staff_does_nothing(structure):
    assert seed_initiatives(structure) == 0
