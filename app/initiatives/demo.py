"""Demo initiatives for `flask seed`: eight real-looking projects of La Passerelle's habitants.

They go through the real services (so the timelines, the supports counter and the participation
ledger are exactly what the app would have written), then their dates are moved back over the
past months so the demo looks lived-in. Idempotent: a structure that already has initiatives is
left alone. Flushes; the caller commits.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.accounts.models import User
from app.centres.models import Membership, Role, Structure
from app.extensions import db
from app.initiatives import services
from app.initiatives.models import HelpOffer, Initiative, Status, Support
from app.ledger.models import LedgerEntry
from app.mail import OutboxEmail
from app.notifications.models import Notification
from app.timeutil import utcnow

STAFF_EMAIL = "staff@ensemble.test"


@dataclass
class DemoInitiative:
    title: str
    summary: str
    description: str
    #: Candidate authors, first existing account wins (the --habitants accounts may be absent).
    authors: tuple[str, ...]
    status: Status
    #: How long ago the draft was written.
    days_ago: int
    theme: str | None = None
    quartier: str | None = None
    target_public: str = ""
    when_text: str = ""
    helpers_needed: int = 0
    budget: str | None = None
    materials: str = ""
    coleads: tuple[str, ...] = ()
    supporters: int = 0
    #: Messages of the people offering help (one helper per message).
    help_messages: tuple[str, ...] = ()
    #: The decision when the initiative went past the support phase.
    decision: Status | None = None
    #: Staff message: changes requested, decision reason or conditions.
    message: str = ""
    participants: int | None = None
    bilan: str = ""


DEMO_INITIATIVES = [
    DemoInitiative(
        title="Fête des voisins rue Branly",
        summary=(
            "Un repas partagé dans la rue Branly un vendredi soir de juin : chacun apporte un plat, "
            "on sort les tables et on fait connaissance entre voisins des immeubles."
        ),
        description=(
            "Depuis le covid, on ne se connaît plus beaucoup dans la rue. On propose un **repas partagé** "
            "en bas des immeubles, du numéro 12 au numéro 40.\n\n"
            "- chacun apporte un plat salé ou sucré et ses couverts ;\n"
            "- un coin pour les enfants avec des jeux de craie et un atelier maquillage ;\n"
            "- un peu de musique jusqu'à 22 h, pas plus tard, par respect pour tout le monde.\n\n"
            "On aurait besoin du centre pour les tables, les bancs et pour l'affiche à mettre dans les halls."
        ),
        authors=("habitant@ensemble.test",),
        status=Status.OPEN,
        days_ago=24,
        theme="Culture et loisirs",
        quartier="Les Buers",
        target_public="Tous les voisins, petits et grands",
        when_text="Un vendredi soir de juin, à partir de 19 h",
        helpers_needed=6,
        budget="150",
        materials="6 tables, 12 bancs, un barnum, une rallonge électrique",
        supporters=8,
        help_messages=(
            "Je peux faire des crêpes et prêter deux tables pliantes.",
            "Je m'occupe des jeux pour les enfants si vous voulez.",
        ),
    ),
    DemoInitiative(
        title="Repair café mensuel",
        summary=(
            "Un samedi matin par mois, on répare ensemble grille-pain, vélos, vêtements et petits "
            "appareils au lieu de les jeter. Des bénévoles bricoleurs montrent comment faire."
        ),
        description=(
            "J'ai été électricienne toute ma vie et je vois trop d'appareils finir à la benne pour un fusible "
            "ou un fil dessoudé.\n\n"
            "Le principe : vous venez avec l'objet en panne, on cherche la panne **avec vous**, et on répare "
            "si c'est possible. Un café et des gâteaux pour patienter.\n\n"
            "Il faudrait la grande salle le premier samedi du mois de 9 h 30 à 12 h, et une caisse à outils "
            "de base (tournevis, multimètre, fer à souder)."
        ),
        authors=("benevole@ensemble.test",),
        status=Status.COMPLETED,
        days_ago=170,
        theme="Cadre de vie et environnement",
        quartier="Saint-Jean",
        target_public="Tout public",
        when_text="Le premier samedi du mois, de 9 h 30 à 12 h",
        helpers_needed=4,
        budget="250",
        materials="Caisse à outils, multimètre, fer à souder, machine à coudre",
        supporters=11,
        help_messages=(
            "Je répare les vélos, je peux venir avec mes outils.",
            "Je sais coudre, je peux m'occuper des vêtements.",
        ),
        decision=Status.ACCEPTED,
        message="Le comité d'usagers a dit oui à l'unanimité. La grande salle est réservée le premier samedi du mois.",
        participants=42,
        bilan=(
            "Trois séances depuis la rentrée : 42 personnes sont venues, 57 objets apportés, 38 réparés "
            "(surtout des lampes, des grille-pain et des vélos). Deux participants sont devenus réparateurs "
            "bénévoles. À améliorer : prévoir plus de rallonges et une table pour la couture."
        ),
    ),
    DemoInitiative(
        title="Jardin partagé au pied des tours des Buers",
        summary=(
            "Transformer la pelouse entre les tours en jardin partagé avec des bacs potagers, "
            "un composteur et un coin pour les enfants de l'école voisine."
        ),
        description=(
            "La pelouse entre les tours ne sert à rien à part aux chiens. Avec une dizaine de voisins, on "
            "voudrait y installer des **bacs potagers hors-sol**, un composteur collectif et un banc.\n\n"
            "On a déjà parlé avec la gardienne et l'école Jules-Ferry est partante pour un bac pédagogique.\n\n"
            "Ce qu'il faut : du bois pour six bacs, de la terre, des semis, et l'accord du bailleur."
        ),
        authors=("coord@ensemble.test",),
        coleads=("habitant@ensemble.test",),
        status=Status.IN_PROGRESS,
        days_ago=120,
        theme="Cadre de vie et environnement",
        quartier="Les Buers",
        target_public="Habitants des tours, familles, école Jules-Ferry",
        when_text="Plantations au printemps, puis tout l'été",
        helpers_needed=10,
        budget="600",
        materials="Bois pour 6 bacs, 3 m³ de terre, un composteur, des outils de jardin",
        supporters=12,
        help_messages=(
            "J'ai un petit jardin ouvrier, je peux donner des plants de tomates.",
            "Je peux aider à monter les bacs le samedi.",
            "Mes enfants adorent planter, on sera là !",
        ),
        decision=Status.ACCEPTED_WITH_CONDITIONS,
        message=(
            "Accord du comité, à deux conditions : obtenir l'autorisation écrite du bailleur avant les "
            "plantations, et n'utiliser que des bacs hors-sol (le sol n'a pas été analysé)."
        ),
    ),
    DemoInitiative(
        title="Aide aux devoirs par des lycéens",
        summary=(
            "Des lycéens du quartier aident les collégiens à faire leurs devoirs deux soirs par semaine "
            "au centre, encadrés par une animatrice."
        ),
        description=(
            "Je suis en terminale au lycée Pierre-Brossolette et plusieurs amis veulent donner un peu de "
            "temps. Beaucoup de collégiens n'ont personne à la maison pour les aider.\n\n"
            "On propose le **mardi et le jeudi de 17 h à 18 h 30**, hors vacances scolaires, "
            "avec un goûter. Maths, français et anglais surtout."
        ),
        authors=("habitant1@ensemble.test", "habitant@ensemble.test"),
        status=Status.ACCEPTED,
        days_ago=75,
        theme="Enfance et jeunesse",
        quartier="Saint-Jean",
        target_public="Collégiens de la 6e à la 3e",
        when_text="Mardi et jeudi, 17 h – 18 h 30, hors vacances",
        helpers_needed=5,
        budget="80",
        materials="Une salle avec des tables, des cahiers de brouillon, un goûter",
        supporters=9,
        help_messages=("Ancienne professeure de maths, je peux venir le jeudi.",),
        decision=Status.ACCEPTED,
        message=(
            "Le comité d'usagers a dit oui : la salle 2 est réservée le mardi et le jeudi, Julie encadre les séances."
        ),
    ),
    DemoInitiative(
        title="Sortie familles au lac du Bourget",
        summary=(
            "Une journée au bord du lac du Bourget pour les familles qui ne partent pas en vacances : "
            "car au départ du centre, pique-nique et baignade surveillée."
        ),
        description=(
            "Beaucoup de familles du quartier ne partent pas l'été. On voudrait organiser **une journée "
            "au lac du Bourget** (plage d'Aix-les-Bains) un samedi de juillet.\n\n"
            "Départ en car à 8 h devant le centre, retour vers 19 h. Chaque famille apporte son pique-nique. "
            "Participation demandée : 3 € par adulte, gratuit pour les enfants."
        ),
        authors=("habitant2@ensemble.test", "habitant@ensemble.test"),
        status=Status.SUBMITTED,
        days_ago=4,
        theme="Famille et parentalité",
        quartier="Les Buers",
        target_public="Familles avec enfants",
        when_text="Un samedi de juillet, de 8 h à 19 h",
        helpers_needed=3,
        budget="900",
        materials="Location d'un car de 50 places, trousse de secours",
    ),
    DemoInitiative(
        title="Atelier cuisine du monde",
        summary=(
            "Chaque mois, une habitante ou un habitant fait découvrir une recette de son pays d'origine, "
            "on cuisine ensemble et on partage le repas."
        ),
        description=(
            "Dans le quartier on vient de partout : Algérie, Sénégal, Vietnam, Portugal, Comores… "
            "On propose que chaque mois **une personne transmette une recette** de chez elle.\n\n"
            "On cuisine à six ou huit dans la cuisine du centre, puis on partage le repas avec ceux qui "
            "passent. Les recettes seront rassemblées dans un petit livret."
        ),
        authors=("habitant3@ensemble.test", "benevole@ensemble.test"),
        status=Status.OPEN,
        days_ago=40,
        theme="Culture et loisirs",
        quartier="Grandclément",
        target_public="Adultes et adolescents",
        when_text="Un mercredi par mois, de 14 h à 17 h",
        helpers_needed=2,
        budget="120",
        materials="Ingrédients, tabliers, impression du livret de recettes",
        supporters=5,
        help_messages=("Je peux montrer comment on fait le thiéboudienne.",),
    ),
    DemoInitiative(
        title="Boîte à livres place Lazare-Goujon",
        summary=(
            "Installer une boîte à livres en libre-service sur la place Lazare-Goujon : on dépose un livre, "
            "on en prend un autre, gratuitement."
        ),
        description=(
            "J'ai plein de livres qui dorment dans des cartons et je ne suis pas la seule. Une **boîte à "
            "livres** sur la place, près des bancs, permettrait de les faire circuler.\n\n"
            "Un menuisier du quartier peut la fabriquer avec du bois de récupération."
        ),
        authors=("habitant4@ensemble.test", "coord@ensemble.test"),
        status=Status.CHANGES_REQUESTED,
        days_ago=12,
        theme="Culture et loisirs",
        quartier="Gratte-Ciel",
        target_public="Tout public",
        when_text="Avant l'été",
        helpers_needed=2,
        budget="90",
        materials="Bois de récupération, plexiglas, peinture extérieure",
        message=(
            "Belle idée ! Pouvez-vous préciser qui passera vérifier la boîte chaque semaine ? La place "
            "appartient à la mairie : il faudra une autorisation, nous pouvons vous aider à la demander."
        ),
    ),
    DemoInitiative(
        title="Tournoi de foot intergénérationnel",
        summary=(
            "Un tournoi de foot où chaque équipe mélange jeunes, parents et grands-parents, suivi d'un "
            "goûter, pour que les générations du quartier se rencontrent."
        ),
        description=(
            "Les jeunes jouent au city-stade tous les soirs, les anciens les regardent de loin. "
            "On propose un **tournoi amical** où chaque équipe compte au moins un joueur de moins de 16 ans "
            "et un de plus de 50 ans.\n\n"
            "Matchs de 10 minutes, arbitrage par les éducateurs du club, goûter offert à la fin."
        ),
        authors=("habitant5@ensemble.test", "habitant@ensemble.test"),
        status=Status.POSTPONED,
        days_ago=60,
        theme="Seniors et lien social",
        quartier="Les Buers",
        target_public="Jeunes à partir de 10 ans, adultes, seniors",
        when_text="Un dimanche après-midi",
        helpers_needed=4,
        budget="200",
        materials="Chasubles, ballons, sifflets, goûter",
        supporters=6,
        help_messages=("J'ai entraîné des poussins pendant 10 ans, je peux arbitrer.",),
        decision=Status.POSTPONED,
        message=(
            "Le city-stade des Buers est en travaux jusqu'en septembre : le comité propose de reprendre "
            "l'idée à la rentrée, avec le club de foot."
        ),
    ),
]


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _member(structure: Structure, emails: tuple[str, ...]) -> User | None:
    for email in emails:
        user = _user(email)
        if user is not None and user.membership_in(structure.id) is not None:
            return user
    return None


def _staff(structure: Structure) -> User | None:
    staff = _user(STAFF_EMAIL)
    if staff is not None and staff.has_role(structure.id, Role.STAFF):
        return staff
    return db.session.scalar(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.structure_id == structure.id, Membership.role >= Role.STAFF)
        .order_by(User.id)
        .limit(1)
    )


def _habitants(structure: Structure) -> list[User]:
    """Habitants and coordinators of the structure: the people who support and help."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.structure_id == structure.id,
                Membership.role <= Role.COORDINATOR,
                User.is_blocked.is_(False),
                User.anonymised_at.is_(None),
            )
            .order_by(User.id)
        )
    )


def _spread(start: datetime, end: datetime, n: int) -> list[datetime]:
    """`n` moments between `start` and `end`, evenly spaced."""
    if n <= 0:
        return []
    step = (end - start) / (n + 1)
    return [start + step * (i + 1) for i in range(n)]


def _timeline(spec: DemoInitiative, now: datetime) -> dict[str, datetime]:
    created = now - timedelta(days=spec.days_ago, hours=3)
    dates = {"created": created, "submitted": created + timedelta(days=1, hours=2)}
    dates["reviewed"] = dates["submitted"] + timedelta(days=2, hours=5)
    dates["published"] = dates["reviewed"]
    dates["decided"] = dates["published"] + timedelta(days=21)
    dates["started"] = dates["decided"] + timedelta(days=7)
    dates["completed"] = dates["started"] + timedelta(days=45)
    # Nothing in the future, whatever the numbers above.
    return {key: min(value, now - timedelta(hours=1)) for key, value in dates.items()}


def _event_date(to_status: Status, dates: dict[str, datetime]) -> datetime:
    if to_status == Status.DRAFT:
        return dates["created"]
    if to_status == Status.SUBMITTED:
        return dates["submitted"]
    if to_status in (Status.OPEN, Status.CHANGES_REQUESTED, Status.REJECTED):
        return dates["reviewed"]
    if to_status == Status.IN_PROGRESS:
        return dates["started"]
    if to_status in (Status.COMPLETED, Status.ABANDONED):
        return dates["completed"]
    return dates["decided"]


def _build(structure: Structure, staff: User, spec: DemoInitiative, pool: list[User]) -> Initiative:
    """Run the initiative through the services up to its demo status."""
    author = _member(structure, spec.authors)
    themes = {t.name: t.id for t in structure.themes}
    quartiers = {q.name: q.id for q in structure.quartiers}
    data = {
        "title": spec.title,
        "summary": spec.summary,
        "description": spec.description,
        "theme_id": themes.get(spec.theme),
        "quartier_id": quartiers.get(spec.quartier),
        "target_public": spec.target_public,
        "when_text": spec.when_text,
        "helpers_needed": spec.helpers_needed,
        "budget_requested": Decimal(spec.budget) if spec.budget else None,
        "materials": spec.materials,
    }
    initiative = services.create_initiative(structure, author, data, by=author)
    for email in spec.coleads:
        colead = _member(structure, (email,))
        if colead is not None and colead.id != author.id:
            services.invite_colead(initiative, colead, by=author)
            services.confirm_colead(initiative, colead, by=colead)
    if spec.status == Status.DRAFT:
        return initiative
    services.submit_initiative(initiative, by=author)
    if spec.status == Status.SUBMITTED:
        return initiative
    if spec.status == Status.CHANGES_REQUESTED:
        services.request_changes(initiative, spec.message, by=staff)
        return initiative
    if initiative.status == Status.SUBMITTED:
        services.publish_initiative(initiative, by=staff)
    leads = {lead.id for lead in services.leads_of(initiative)}
    others = [p for p in pool if p.id not in leads]
    for person in others[: spec.supporters]:
        services.add_support(initiative, person, by=person)
    # Helpers come from the other end of the list, so they are not only the first supporters.
    for person, message in zip(reversed(others), spec.help_messages, strict=False):
        services.offer_help(initiative, person, message, by=person)
    if spec.status == Status.OPEN:
        return initiative
    services.decide_initiative(initiative, spec.decision or Status.ACCEPTED, spec.message, by=staff)
    if spec.status in (Status.IN_PROGRESS, Status.COMPLETED):
        services.start_initiative(initiative, by=staff)
    if spec.status == Status.COMPLETED:
        services.complete_initiative(initiative, spec.participants or 0, spec.bilan, by=staff)
    return initiative


def _backdate(initiative: Initiative, spec: DemoInitiative, now: datetime, first_notification_id: int) -> None:
    """Move every date of the initiative (and of what it caused) back to its demo timeline."""
    dates = _timeline(spec, now)
    status = initiative.status
    initiative.created_at = dates["created"]
    if initiative.submitted_at is not None:
        initiative.submitted_at = dates["submitted"]
    if initiative.published_at is not None:
        initiative.published_at = dates["published"]
    if initiative.decided_at is not None:
        initiative.decided_at = dates["decided"]
    last = dates["created"]
    for event in initiative.events:
        event.at = _event_date(event.to_status, dates)
        last = max(last, event.at)
    for colead in initiative.coleads:
        colead.invited_at = dates["created"]
        colead.confirmed_at = dates["created"] + timedelta(hours=6) if colead.confirmed_at else None

    # Supports and help offers arrived while the initiative was open.
    support_end = dates["decided"] if initiative.decided_at is not None else now - timedelta(hours=2)
    ledger_dates: dict[tuple[str, int], datetime] = {}
    supports = db.session.scalars(
        sa.select(Support).where(Support.initiative_id == initiative.id).order_by(Support.id)
    ).all()
    for support, when in zip(supports, _spread(dates["published"], support_end, len(supports)), strict=True):
        support.created_at = when
        ledger_dates[("initiative.support", support.user_id)] = when
    helps = db.session.scalars(
        sa.select(HelpOffer).where(HelpOffer.initiative_id == initiative.id).order_by(HelpOffer.id)
    ).all()
    for offer, when in zip(helps, _spread(dates["published"], support_end, len(helps)), strict=True):
        offer.created_at = when + timedelta(hours=1)
        ledger_dates[("initiative.help", offer.user_id)] = offer.created_at
    entries = db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.object_type == "initiative", LedgerEntry.object_id == initiative.id)
    ).all()
    for entry in entries:
        if entry.kind in ("initiative.propose",):
            entry.occurred_at = entry.created_at = dates["submitted"]
        elif entry.kind == "initiative.colead":
            entry.occurred_at = entry.created_at = dates["created"] + timedelta(hours=6)
        elif (entry.kind, entry.person_id) in ledger_dates:
            entry.occurred_at = entry.created_at = ledger_dates[(entry.kind, entry.person_id)]

    # The notifications it caused: dated with its last step; read, unless staff or the author
    # still have something to do (review the proposal, complete it).
    pending = status in (Status.SUBMITTED, Status.CHANGES_REQUESTED)
    notes = db.session.scalars(
        sa.select(Notification).where(
            Notification.id >= first_notification_id, Notification.url == f"/initiatives/{initiative.id}"
        )
    ).all()
    for note in notes:
        note.created_at = last
        note.read_at = None if pending else last + timedelta(hours=4)
    initiative.updated_at = last
    db.session.flush()


def seed_initiatives(structure: Structure) -> int:
    """Create the demo initiatives of `structure` unless it already has some; returns how many were created.

    Needs the demo accounts (app.demo.seed_demo creates them first). E-mails the services queue
    for these past events are dropped: nobody should receive mail about a made-up history.
    """
    exists = db.session.scalar(sa.select(Initiative.id).where(Initiative.structure_id == structure.id).limit(1))
    if exists is not None:
        return 0
    staff = _staff(structure)
    pool = _habitants(structure)
    if staff is None or not pool:
        return 0
    outbox_before = list(db.session.info.get("outbox", []))
    first_notification_id = (db.session.scalar(sa.select(sa.func.max(Notification.id))) or 0) + 1
    # The demo shows the review queue, whatever the centre's moderation setting says.
    premoderation = structure.premoderation
    structure.premoderation = True
    now = utcnow()
    created = 0
    try:
        for spec in DEMO_INITIATIVES:
            if _member(structure, spec.authors) is None:
                continue
            initiative = _build(structure, staff, spec, pool)
            _backdate(initiative, spec, now, first_notification_id)
            created += 1
    finally:
        structure.premoderation = premoderation
    queued = [i for i in db.session.info.get("outbox", []) if i not in outbox_before]
    if queued:
        db.session.execute(sa.delete(OutboxEmail).where(OutboxEmail.id.in_(queued)))
        db.session.info["outbox"] = outbox_before
    db.session.flush()
    return created
