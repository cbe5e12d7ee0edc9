"""Demo instances for `flask seed`: La Passerelle's conseil d'administration, comité d'usagers,
commission jeunesse and comité FPH, with a few months of meetings behind them.

Everything goes through the real services (seats, meetings, attendance, votes, minutes, opinions,
follow-ups), so the ledger, the quorum and the proposed volunteer hours are what the app would
have written. The services refuse the past where it makes sense (convening, answering a
convocation): for past meetings the convocation date is written directly, and every timestamp
the services stamp with "now" is moved back to when the act happened (`backdated`).

Idempotent: a structure that already has instances is left alone. Flushes; the caller commits.
Needs the demo accounts and people of `app.demo` (it does nothing without them).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import object_session

from app.accounts.models import User
from app.centres.models import Structure
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeEvent
from app.instances import meetings, opinions, services, votes
from app.instances.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Choice,
    FollowUp,
    FollowUpStatus,
    Instance,
    InstanceType,
    JoinPolicy,
    Majority,
    Meeting,
    Minutes,
    Motion,
    MotionKind,
    Nature,
    Office,
    OpenVote,
    Opinion,
    QuorumBase,
    ResponseKind,
    RsvpAnswer,
    RulesSource,
    Seat,
    Voter,
    VotingMode,
)
from app.ledger.models import LedgerEntry
from app.ledger.services import update_entries
from app.mail import OutboxEmail
from app.notifications.models import Notification
from app.timeutil import local_today, utcnow
from app.volunteering.models import HourEntry

CA_NAME = "Conseil d'administration"
COMITE_NAME = "Comité d'usagers"
JEUNESSE_NAME = "Commission jeunesse"
FPH_NAME = "Comité FPH"

#: The demo people this module needs (app.demo creates them), by the short name used below.
PEOPLE = {
    "nadia": "admin@ensemble.test",
    "julie": "staff@ensemble.test",
    "karima": "coord@ensemble.test",
    "monique": "benevole@ensemble.test",
    "sofiane": "habitant@ensemble.test",
    "gerard": "gerard.moreau@ensemble.test",
    "fatou": "fatou.sow@ensemble.test",
    "helene": "helene.garnier@ensemble.test",
    "ousmane": "ousmane.diop@ensemble.test",
    "jean_marc": "jean-marc.petit@ensemble.test",
    "samira": "samira.bouzid@ensemble.test",
    "lucie": "lucie.fontaine@ensemble.test",
    "marcel": "marcel.girard@ensemble.test",
    "thi_lan": "thi-lan.nguyen@ensemble.test",
    "yanis": "yanis.meziane@ensemble.test",
}

P, E, R = AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED, AttendanceStatus.REPRESENTED
FOR, AGAINST, ABSTAIN = Choice.FOR, Choice.AGAINST, Choice.ABSTAIN


# --- time ----------------------------------------------------------------------------------------


def weekday_on_or_before(day: date, weekday: int) -> date:
    """The `weekday` (0 = Monday) on or before `day`."""
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def weekday_on_or_after(day: date, weekday: int) -> date:
    """The `weekday` (0 = Monday) on or after `day`."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time (Europe/Paris) as the naive UTC the database stores."""
    return meetings.local_to_utc(datetime.combine(day, time(hour, minute)))


def _max_id(model) -> int:
    return db.session.scalar(sa.select(sa.func.max(model.id))) or 0


@contextmanager
def backdated(when: datetime, started: datetime, *, read: bool = True) -> Iterator[None]:
    """Date what the services write inside the block as happening at `when`.

    Ledger rows stamped "now" (at or after `started`, the start of the seed) move to `when`; rows
    dated by the act itself (a meeting's start, a seat's first day) keep their date, and every new
    row is recorded (`created_at`) when it occurred. Notifications are dated `when`, read a few
    hours later unless `read` is False (they are still news).
    """
    ledger_mark, note_mark = _max_id(LedgerEntry), _max_id(Notification)
    yield
    db.session.flush()
    update_entries((LedgerEntry.id > ledger_mark, LedgerEntry.occurred_at >= started), occurred_at=when)
    db.session.execute(
        sa.update(LedgerEntry)
        .where(LedgerEntry.id > ledger_mark)
        .values(created_at=LedgerEntry.occurred_at)
        .execution_options(synchronize_session=False)
    )
    read_at = min(when + timedelta(hours=5), started) if read else None
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id > note_mark)
        .values(created_at=when, read_at=read_at)
        .execution_options(synchronize_session=False)
    )


@contextmanager
def no_emails() -> Iterator[None]:
    """Drop the e-mails the services queue inside the block: nobody should receive mail about a
    made-up history. (The session's own outbox list is not enough: a savepoint released inside a
    service already hands it to the mail worker.)"""
    session = db.session()
    queued: list[int] = []

    def collect(_mapper, _connection, target) -> None:
        if object_session(target) is session:
            queued.append(target.id)

    sa.event.listen(OutboxEmail, "after_insert", collect)
    try:
        yield
    finally:
        sa.event.remove(OutboxEmail, "after_insert", collect)
    db.session.flush()
    if queued:
        db.session.execute(
            sa.delete(OutboxEmail).where(OutboxEmail.id.in_(queued)).execution_options(synchronize_session=False)
        )
        outbox = session.info.get("outbox")
        if outbox:
            session.info["outbox"] = [i for i in outbox if i not in set(queued)]


def demo_people(structure: Structure, wanted: dict[str, str]) -> dict[str, User] | None:
    """The demo people by short name, or None when one of them is missing from the structure."""
    users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(wanted.values())))}
    people = {}
    for key, email in wanted.items():
        user = users.get(email)
        if user is None or user.membership_in(structure.id) is None:
            return None
        people[key] = user
    return people


# --- content -------------------------------------------------------------------------------------

CA_DESCRIPTION = (
    "Le conseil d'administration de l'association La Passerelle : des habitantes et des habitants élus par "
    "l'assemblée générale, des représentants d'associations du quartier et des membres de droit (la directrice "
    "du centre y siège avec voix consultative).\n\n"
    "Il vote le budget, les tarifs et les grandes orientations du projet social, et répond aux avis du comité "
    "d'usagers."
)
COMITE_DESCRIPTION = (
    "Le comité d'usagers réunit les personnes qui fréquentent le centre : parents, bénévoles, habitants, "
    "associations. Il donne son avis sur les activités, l'accueil, les locaux et les horaires, et fait des "
    "propositions au conseil d'administration.\n\n"
    "Il ne décide ni du budget ni du personnel. Ouvert à toutes et à tous : il suffit de le rejoindre."
)
JEUNESSE_DESCRIPTION = (
    "Des jeunes de 15 à 25 ans, des parents et des bénévoles imaginent ensemble les activités pour les ados : "
    "sorties, chantiers, soirées à l'espace jeunes.\n\n"
    "Pour la rejoindre, faites une demande : la commission présente son fonctionnement à chaque nouveau membre."
)
FPH_DESCRIPTION = (
    "Le comité du Fonds de participation des habitants (FPH) examine les demandes de coup de pouce des "
    "habitants des Buers et de Saint-Jean : jusqu'à 800 € par projet, sans dépasser la moitié de son budget.\n\n"
    "Composé en majorité d'habitants, il se réunit au moins une fois par trimestre et entend les porteurs de "
    "projet avant de décider."
)

CA1_MINUTES = """## Présents
Gérard Moreau (président), Fatou Sow (trésorière), Hélène Garnier (secrétaire), Monique Lefèvre,
Jean-Marc Petit (Les Jardiniers des Buers) ; Ousmane Diop représenté par Fatou Sow.
Excusée : Samira Bouzid. Avec voix consultative : Nadia Benali, directrice.

## 1. Bilan des sorties familles
Quatre sorties, 212 participants dont 96 enfants. Les familles demandent une sortie à la neige :
la directrice étudie le coût du car.

## 2. Tarif de l'adhésion familiale
Le conseil maintient l'adhésion familiale à **12 €** pour l'an prochain (5 voix pour, 1 contre).
L'adhésion reste gratuite pour les bénéficiaires de l'épicerie solidaire.

## 3. Point financier
La trésorière présente la situation à fin de trimestre : les dépenses suivent le budget voté.
La subvention de la Caf pour l'animation collective famille est confirmée.

## 4. Questions diverses
Le comité d'usagers prépare un avis sur les horaires de l'accueil : le conseil l'examinera à sa
prochaine réunion.
"""

CA2_MINUTES = """## Présents
Gérard Moreau (président), Fatou Sow (trésorière), Ousmane Diop, Monique Lefèvre, Samira Bouzid ;
Hélène Garnier représentée par Gérard Moreau. Excusé : Jean-Marc Petit.
Avec voix consultative : Nadia Benali, directrice.

## 1. Compte rendu du conseil précédent
Approuvé sans modification.

## 2. Élection à la vice-présidence
Seul candidat, Ousmane Diop est élu vice-président à bulletin secret (5 voix pour, 1 abstention).

## 3. Réponse à l'avis du comité d'usagers sur les horaires de l'accueil
Le conseil retient l'ouverture jusqu'à 19 h le mardi et le jeudi. L'ouverture du samedi matin
n'est pas possible avec l'équipe salariée actuelle : un essai avec une permanence de bénévoles
sera soumis au vote en ligne des administrateurs.

## 4. Budget de l'an prochain
Premières orientations : maintenir l'aide aux devoirs et l'épicerie solidaire, chercher un
financement pour un poste d'animateur jeunesse à mi-temps.
"""

CU1_MINUTES = """## Présents
Lucie Fontaine (présidente), Karima Diallo (secrétaire), Sofiane Haddad, Monique Lefèvre,
Marcel Girard. Excusée : Thi Lan Nguyen.

## 1. Retour sur les activités
Le café des parents du vendredi marche bien (une douzaine de parents chaque semaine).
L'aide aux devoirs manque de bénévoles le mardi.

## 2. Horaires de l'accueil : avis au conseil d'administration
Beaucoup de parents qui travaillent trouvent l'accueil fermé. Le comité adopte à l'unanimité un avis
demandant une ouverture jusqu'à 19 h deux soirs par semaine et le samedi matin.

## 3. Boîte à idées
Karima installe une boîte à idées à l'accueil et la relèvera chaque mois.

## 4. Éclairage du passage des Buers
Le passage entre les tours est très sombre le soir. La direction écrira au bailleur.
"""

CU2_MINUTES = """## Présents
Lucie Fontaine (présidente), Karima Diallo (secrétaire), Sofiane Haddad, Monique Lefèvre,
Thi Lan Nguyen, Samira Bouzid. Excusé : Marcel Girard.

## 1. Compte rendu de la réunion précédente
Approuvé. La boîte à idées a déjà recueilli quatorze idées (voir le suivi).

## 2. Accueil des familles dans le hall
Les parents attendent debout avec les poussettes. Le comité adopte un avis au conseil
d'administration : un coin enfants (tapis, livres, jeux) et des chaises dans le hall.

## 3. Troc de vêtements d'enfants
Proposition adoptée : un samedi matin dans la grande salle, organisé avec les bénévoles de
l'épicerie solidaire.

## 4. Affiche des horaires
Thi Lan propose de traduire l'affiche des horaires en arabe, en vietnamien et en anglais.
"""

FPH_MINUTES = """## Présents
Fatou Sow (présidente), Marcel Girard, Jean-Marc Petit, Samira Bouzid. Excusée : Hélène Garnier.
Quorum atteint (4 membres sur 5).

## 1. Tournoi de foot intergénérationnel
Les porteurs ont présenté leur projet. Le city-stade des Buers reste fermé pour travaux : le comité
reporte sa décision à la réouverture du terrain et réserve 200 € sur l'enveloppe pour les chasubles
et le goûter (4 voix pour).

## 2. Enveloppe de l'année
Sept projets aidés, 3 150 € engagés sur 5 000 €. Prochaine réunion dans trois mois.
"""

JEUNESSE_MINUTES = """## Présents
Sofiane Haddad (président), Yanis Meziane, Lucie Fontaine. Excusée : Karima Diallo.

## 1. Programme des prochaines vacances
Idées retenues : une journée à la base de loisirs de Miribel-Jonage, un tournoi de jeux vidéo
à l'espace jeunes, un atelier cuisine.

## 2. Chantier jeunes
Repeindre l'espace jeunes pendant les vacances, avec une petite gratification (bons d'achat).
À chiffrer avec l'équipe.
"""

OPINION_HOURS_TEXT = (
    "Beaucoup de parents qui travaillent trouvent l'accueil fermé quand ils peuvent venir. Le comité d'usagers "
    "propose d'ouvrir l'accueil jusqu'à 19 h le mardi et le jeudi, et le samedi de 9 h à 12 h."
)
OPINION_HOURS_RESPONSE = (
    "Le conseil d'administration retient l'ouverture jusqu'à 19 h le mardi et le jeudi, à partir du mois "
    "prochain. L'ouverture du samedi matin n'est pas possible avec l'équipe salariée actuelle : un essai avec "
    "une permanence de bénévoles est soumis au vote des administrateurs."
)
OPINION_HALL_TEXT = (
    "Les parents attendent debout dans le hall avec les poussettes et les enfants s'ennuient. Le comité "
    "d'usagers demande un coin enfants (tapis, livres, jeux) et quelques chaises près de l'accueil, et propose "
    "que des bénévoles aident à l'aménager."
)


# --- the seed ------------------------------------------------------------------------------------


class _Seed:
    """The story, step by step (one instance of it per run)."""

    def __init__(self, structure: Structure, people: dict[str, User]):
        self.structure = structure
        self.p = people
        self.started = utcnow()
        self.today = local_today()
        #: minutes id -> the dates of the story ({"updated_at": …, "published_at": …, "approved_at": …}).
        self.minutes_dates: dict[int, dict[str, datetime]] = {}

    # --- helpers ---

    def at(self, when: datetime, *, read: bool = True):
        return backdated(min(when, self.started), self.started, read=read)

    def day(self, days_ago: int, weekday: int) -> date:
        return weekday_on_or_before(self.today - timedelta(days=days_ago), weekday)

    def instance(self, fields: dict, rules: dict, created: datetime, *, by: User) -> Instance:
        with self.at(created):
            instance = services.create_instance(self.structure, fields, rules, by=by)
        instance.created_at = created
        for version in instance.rules_versions:
            version.created_at = created
        return instance

    def seat(self, instance: Instance, person: User, start: date, *, by: User, **terms) -> Seat:
        with self.at(datetime.combine(start, time(12))):
            seat = services.add_member(instance, person, start_date=start, by=by, **terms)
        seat.requested_at = datetime.combine(start, time(9))
        return seat

    def meeting(
        self, instance: Instance, title: str, day: date, hour: int, minute: int, minutes: int, place: str, by: User
    ) -> Meeting:
        starts = at_local(day, hour, minute)
        notice = instance.rules.notice_days
        with self.at(starts - timedelta(days=notice + 6)):
            meeting = meetings.schedule_meeting(
                instance, {"title": title, "starts_at": starts, "duration_minutes": minutes, "place": place}, by=by
            )
        meeting.created_at = starts - timedelta(days=notice + 6)
        return meeting

    def agenda(self, meeting: Meeting, items: list, *, by: User) -> list[AgendaItem]:
        """Points of the agenda: a title, or (title, description[, initiative id])."""
        added = []
        for item in items:
            title, description, initiative_id = (*item, None)[:3] if isinstance(item, tuple) else (item, "", None)
            added.append(
                meetings.add_agenda_item(
                    meeting, {"title": title, "description": description, "initiative_id": initiative_id}, by=by
                )
            )
        return added

    def convened_in_the_past(self, meeting: Meeting, *, by: User) -> None:
        """The convocation of a past meeting (the service only convenes meetings to come)."""
        meeting.convened_at = meeting.starts_at - timedelta(days=meeting.rules.notice_days + 2)
        meeting.convened_by_id = by.id

    def attendance(self, meeting: Meeting, sheet: list[tuple], *, by: User) -> None:
        """Tick the sheet: (person, status) or (person, represented, proxy holder)."""
        for row in sheet:
            person, status, holder = (row + (None,))[:3]
            meetings.record_attendance(meeting, person, status, holder, by=by)

    def close(self, meeting: Meeting, *, by: User) -> None:
        end = meetings.ends_at(meeting)
        with self.at(end):
            meetings.close_meeting(meeting, by=by)
        meeting.closed_at = end
        db.session.execute(
            sa.update(Attendance)
            .where(Attendance.meeting_id == meeting.id)
            .values(recorded_at=end)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            sa.update(HourEntry)
            .where(HourEntry.meeting_id == meeting.id)
            .values(created_at=end)
            .execution_options(synchronize_session=False)
        )

    def minutes(self, meeting: Meeting, body: str, *, by: User, written_days: int, publish: bool = True) -> Minutes:
        written = min(meetings.ends_at(meeting) + timedelta(days=written_days), self.started - timedelta(hours=3))
        minutes = meetings.save_minutes(meeting, body, by=by)
        self.minutes_dates[minutes.id] = {"updated_at": written}
        if publish:
            self.publish(minutes, written + timedelta(hours=2), by=by)
        return minutes

    def publish(self, minutes: Minutes, when: datetime, *, by: User) -> None:
        with self.at(when):
            meetings.publish_minutes(minutes, by=by)
        self.minutes_dates[minutes.id]["published_at"] = when

    def approve(self, minutes: Minutes, at_meeting: Meeting, *, by: User) -> None:
        meetings.approve_minutes(minutes, at_meeting=at_meeting, by=by)
        self.minutes_dates[minutes.id]["approved_at"] = at_meeting.starts_at + timedelta(minutes=10)

    def vote(
        self,
        meeting: Meeting,
        fields: dict,
        ballots: list[tuple],
        *,
        by: User,
        after_minutes: int,
        agenda_item: AgendaItem | None = None,
    ) -> Motion:
        """A motion put to the vote in the meeting, its ballots cast one by one, then closed.
        `ballots`: (person, choice) or (proxy holder, choice, represented member)."""
        when = meeting.starts_at + timedelta(minutes=after_minutes)
        if agenda_item is not None:
            fields = {**fields, "agenda_item_id": agenda_item.id}
        with self.at(when):
            motion = votes.create_motion(meeting.instance, fields, by, meeting=meeting)
            votes.open_vote(motion, by)
            for row in ballots:
                person, choice, for_person = (row + (None,))[:3]
                votes.cast_vote(motion, person, choice, person, for_person=for_person)
            votes.close_motion(motion, by=by)
        motion.created_at = meeting.created_at
        motion.opens_at, motion.closed_at = when, when + timedelta(minutes=8)
        for model in (Voter, OpenVote):
            db.session.execute(
                sa.update(model)
                .where(model.motion_id == motion.id, model.cast_at.is_not(None))
                .values(cast_at=when + timedelta(minutes=3))
                .execution_options(synchronize_session=False)
            )
        return motion

    def follow_up(self, instance: Instance, meeting: Meeting, fields: dict, *, by: User) -> FollowUp:
        follow_up = meetings.add_follow_up(instance, fields, by=by, meeting=meeting)
        follow_up.created_at = follow_up.updated_at = meetings.ends_at(meeting)
        return follow_up

    def send_opinion(self, motion: Motion, sent: datetime, *, by: User) -> Opinion:
        with self.at(sent):
            opinion = opinions.send_opinion_from_motion(motion, by=by)
        opinion.sent_at = sent
        return opinion

    # --- the story ---

    def run(self) -> None:
        p, today = self.p, self.today
        ca, comite, jeunesse, fph = self.bodies()
        self.members(ca, comite, jeunesse, fph)

        # Meetings, oldest first (each one approves the minutes of the one before).
        ca1 = self.ca_first(ca)
        cu1, opinion_hours = self.comite_first(comite)
        self.ca_second(ca, ca1, opinion_hours)
        self.comite_second(comite, cu1)
        self.fph_meeting(fph)
        self.jeunesse_meeting(jeunesse)
        self.comite_next(comite)
        self.online_vote(ca)

        # Recent membership news: Yanis joined the (open) comité himself; Thi Lan asked to join the
        # commission jeunesse, her request waits for the chair or the team.
        services.request_seat(comite, p["yanis"], by=p["yanis"])
        with self.at(at_local(today - timedelta(days=2), 20, 15), read=False):
            services.request_seat(
                jeunesse,
                p["thi_lan"],
                "Mon fils a 15 ans et va à l'espace jeunes : j'aimerais représenter les parents à la commission.",
                by=p["thi_lan"],
            )
        db.session.execute(
            sa.update(Seat)
            .where(Seat.instance_id == jeunesse.id, Seat.person_id == p["thi_lan"].id)
            .values(requested_at=at_local(today - timedelta(days=2), 20, 15))
            .execution_options(synchronize_session=False)
        )
        self.fix_minutes_dates()

    def bodies(self) -> tuple[Instance, Instance, Instance, Instance]:
        p, today = self.p, self.today
        created = at_local(today - timedelta(days=420), 10)
        ca = self.instance(
            {
                "name": CA_NAME,
                "instance_type": InstanceType.BOARD,
                "nature": Nature.DECISION,
                "description": CA_DESCRIPTION,
                "is_public": True,
                "join_policy": JoinPolicy.APPOINTED,
            },
            {
                "source": RulesSource.STATUTES,
                "colleges": [
                    {"code": "habitants", "label": "Habitants élus", "seats": 9},
                    {"code": "associations", "label": "Associations", "seats": 3},
                    {"code": "ex_officio", "label": "Membres de droit", "seats": 3},
                ],
                "mandate_months": 36,
                "notice_days": 15,
                "quorum_base": QuorumBase.PRESENT_REPRESENTED,
                "quorum_is_percent": True,
                "quorum_threshold": 50,
                "majority": Majority.SIMPLE,
                "chair_casting_vote": True,
                "proxies_allowed": True,
                "proxies_max": 2,
                "voting_mode": VotingMode.OPEN,
                "minutes_deadline_days": 30,
            },
            created,
            by=p["nadia"],
        )
        # The statutes were amended at the last assemblée générale: one proxy per administrator.
        amended = at_local(today - timedelta(days=175), 11)
        with self.at(amended):
            rules = services.update_rules(ca, {"proxies_max": 1}, by=p["nadia"])
        rules.created_at = amended

        comite = self.instance(
            {
                "name": COMITE_NAME,
                "instance_type": InstanceType.USERS_COMMITTEE,
                "nature": Nature.ADVISORY,
                "description": COMITE_DESCRIPTION,
                "is_public": True,
                "join_policy": JoinPolicy.OPEN,
                "reports_to_id": ca.id,
            },
            {"source": RulesSource.CHARTER, "quorum_base": QuorumBase.NONE, "notice_days": 7},
            created + timedelta(days=3),
            by=p["nadia"],
        )
        jeunesse = self.instance(
            {
                "name": JEUNESSE_NAME,
                "instance_type": InstanceType.COMMISSION,
                "nature": Nature.ADVISORY,
                "description": JEUNESSE_DESCRIPTION,
                "is_public": True,
                "join_policy": JoinPolicy.ON_REQUEST,
                "reports_to_id": ca.id,
            },
            {
                "colleges": [
                    {"code": "jeunes", "label": "Jeunes de 15 à 25 ans", "seats": 8},
                    {"code": "habitants", "label": "Parents et habitants", "seats": 4},
                ],
                "notice_days": 5,
            },
            at_local(today - timedelta(days=130), 10),
            by=p["julie"],
        )
        fph = self.instance(
            {
                "name": FPH_NAME,
                "instance_type": InstanceType.GRANT_COMMITTEE,
                "nature": Nature.GRANT,
                "description": FPH_DESCRIPTION,
                "is_public": True,
                "join_policy": JoinPolicy.ON_REQUEST,
            },
            {
                "source": RulesSource.INTERNAL_RULES,
                "quorum_base": QuorumBase.PRESENT,
                "quorum_threshold": 50,
                "second_call_without_quorum": False,
                "notice_days": 10,
            },
            created + timedelta(days=10),
            by=p["nadia"],
        )
        return ca, comite, jeunesse, fph

    def members(self, ca: Instance, comite: Instance, jeunesse: Instance, fph: Instance) -> None:
        p, today, nadia = self.p, self.today, self.p["nadia"]
        elected = today - timedelta(days=170)  # the last assemblée générale
        for key, college, office in (
            ("gerard", "habitants", Office.CHAIR),
            ("fatou", "habitants", Office.TREASURER),
            ("helene", "habitants", Office.SECRETARY),
            ("ousmane", "habitants", Office.MEMBER),
            ("monique", "habitants", Office.MEMBER),
            ("jean_marc", "associations", Office.MEMBER),
            ("samira", "associations", Office.MEMBER),
        ):
            self.seat(ca, p[key], elected, college=college, office=office, by=nadia)
        # The director sits by right, with a consultative voice only.
        self.seat(ca, nadia, elected, college="ex_officio", has_vote=False, ex_officio=True, by=nadia)

        joined = today - timedelta(days=200)
        for key, college, office, days_later in (
            ("lucie", "usagers", Office.CHAIR, 0),
            ("karima", "habitants", Office.SECRETARY, 0),
            ("sofiane", "habitants", Office.MEMBER, 0),
            ("monique", "usagers", Office.MEMBER, 0),
            ("marcel", "usagers", Office.MEMBER, 12),
            ("thi_lan", "usagers", Office.MEMBER, 40),
            ("samira", "associations", Office.MEMBER, 40),
        ):
            self.seat(
                comite, p[key], joined + timedelta(days=days_later), college=college, office=office, by=p["julie"]
            )

        started = today - timedelta(days=125)
        for key, college, office in (
            ("sofiane", "habitants", Office.CHAIR),
            ("yanis", "jeunes", Office.MEMBER),
            ("karima", "habitants", Office.MEMBER),
            ("lucie", "habitants", Office.MEMBER),
        ):
            self.seat(jeunesse, p[key], started, college=college, office=office, by=p["julie"])

        named = today - timedelta(days=240)
        for key, college, office in (
            ("fatou", "habitants", Office.CHAIR),
            ("marcel", "habitants", Office.MEMBER),
            ("helene", "habitants", Office.MEMBER),
            ("jean_marc", "associations", Office.MEMBER),
            ("samira", "associations", Office.MEMBER),
        ):
            self.seat(fph, p[key], named, college=college, office=office, by=nadia)

    def ca_first(self, ca: Instance) -> Meeting:
        p = self.p
        meeting = self.meeting(
            ca,
            "Conseil d'administration — tarifs et finances",
            self.day(70, 3),
            18,
            30,
            120,
            "Grande salle du centre",
            p["nadia"],
        )
        _bilan, tarif, _finances, _divers = self.agenda(
            meeting,
            [
                "Bilan des sorties familles",
                ("Tarif de l'adhésion familiale", "Proposition du bureau : maintenir le tarif à 12 €."),
                ("Point financier", "Présenté par la trésorière."),
                "Questions diverses",
            ],
            by=p["nadia"],
        )
        self.convened_in_the_past(meeting, by=p["nadia"])
        self.attendance(
            meeting,
            [
                (p["gerard"], P),
                (p["fatou"], P),
                (p["helene"], P),
                (p["monique"], P),
                (p["jean_marc"], P),
                (p["ousmane"], R, p["fatou"]),
                (p["samira"], E),
                (p["nadia"], P),
            ],
            by=p["helene"],
        )
        self.vote(
            meeting,
            {
                "title": "Maintien de l'adhésion familiale à 12 €",
                "text": "L'adhésion familiale reste à 12 € l'an prochain ; elle reste gratuite pour les familles "
                "inscrites à l'épicerie solidaire.",
                "kind": MotionKind.DECISION,
                "voting_mode": VotingMode.OPEN,
            },
            [
                (p["gerard"], FOR),
                (p["fatou"], FOR),
                (p["fatou"], FOR, p["ousmane"]),
                (p["helene"], FOR),
                (p["monique"], FOR),
                (p["jean_marc"], AGAINST),
            ],
            by=p["helene"],
            after_minutes=35,
            agenda_item=tarif,
        )
        self.close(meeting, by=p["helene"])
        self.minutes(meeting, CA1_MINUTES, by=p["helene"], written_days=5, publish=False)
        self.follow_up(
            ca,
            meeting,
            {
                "text": "Préparer le budget prévisionnel de l'an prochain avec la directrice",
                "owner_id": p["fatou"].id,
                "due_date": self.today + timedelta(days=30),
                "status": FollowUpStatus.IN_PROGRESS,
                "note": "Première version présentée au conseil suivant ; reste à chiffrer le poste jeunesse.",
            },
            by=p["helene"],
        )
        return meeting

    def comite_first(self, comite: Instance) -> tuple[Meeting, Opinion]:
        p = self.p
        meeting = self.meeting(
            comite,
            "Comité d'usagers — horaires de l'accueil",
            self.day(56, 1),
            18,
            0,
            120,
            "Salle 1, rez-de-chaussée",
            p["karima"],
        )
        _retour, horaires, _boite, _passage = self.agenda(
            meeting,
            [
                "Retour sur les activités",
                ("Horaires de l'accueil : avis au conseil d'administration", "Préparé avec les parents du café."),
                "Boîte à idées",
                "Éclairage du passage des Buers",
            ],
            by=p["karima"],
        )
        self.convened_in_the_past(meeting, by=p["karima"])
        self.attendance(
            meeting,
            [
                (p["lucie"], P),
                (p["karima"], P),
                (p["sofiane"], P),
                (p["monique"], P),
                (p["marcel"], P),
                (p["thi_lan"], E),
            ],
            by=p["karima"],
        )
        motion = self.vote(
            meeting,
            {
                "title": "Avis sur les horaires d'ouverture de l'accueil",
                "text": OPINION_HOURS_TEXT,
                "kind": MotionKind.OPINION,
                "voting_mode": VotingMode.OPEN,
            },
            [(p[key], FOR) for key in ("lucie", "karima", "sofiane", "monique", "marcel")],
            by=p["karima"],
            after_minutes=40,
            agenda_item=horaires,
        )
        self.close(meeting, by=p["karima"])
        opinion = self.send_opinion(motion, meetings.ends_at(meeting) + timedelta(days=1), by=p["lucie"])
        self.minutes(meeting, CU1_MINUTES, by=p["karima"], written_days=4)
        done = self.follow_up(
            comite,
            meeting,
            {
                "text": "Installer une boîte à idées à l'accueil et la relever chaque mois",
                "owner_id": p["karima"].id,
                "due_date": self.today - timedelta(days=42),
            },
            by=p["karima"],
        )
        meetings.set_follow_up_status(
            done, FollowUpStatus.DONE, by=p["karima"], note="Installée près de la machine à café : 14 idées déjà."
        )
        done.updated_at = meetings.ends_at(meeting) + timedelta(days=9)
        self.follow_up(
            comite,
            meeting,
            {
                "text": "Demander au bailleur l'éclairage du passage entre les tours des Buers",
                "owner_text": "La direction du centre",
                "due_date": self.today + timedelta(days=25),
                "status": FollowUpStatus.IN_PROGRESS,
                "note": "Courrier envoyé au bailleur ; visite sur place à caler avec le gardien.",
            },
            by=p["karima"],
        )
        return meeting, opinion

    def ca_second(self, ca: Instance, previous: Meeting, opinion: Opinion) -> Meeting:
        p = self.p
        meeting = self.meeting(
            ca,
            "Conseil d'administration — élection et réponse au comité",
            self.day(21, 3),
            18,
            30,
            120,
            "Grande salle du centre",
            p["nadia"],
        )
        _approval, election, _answer, _budget = self.agenda(
            meeting,
            [
                "Approbation du compte rendu du conseil précédent",
                ("Élection à la vice-présidence", "Candidature d'Ousmane Diop."),
                "Réponse à l'avis du comité d'usagers sur les horaires de l'accueil",
                "Budget de l'an prochain : premières orientations",
            ],
            by=p["nadia"],
        )
        self.convened_in_the_past(meeting, by=p["nadia"])
        self.attendance(
            meeting,
            [
                (p["gerard"], P),
                (p["fatou"], P),
                (p["ousmane"], P),
                (p["monique"], P),
                (p["samira"], P),
                (p["helene"], R, p["gerard"]),
                (p["jean_marc"], E),
                (p["nadia"], P),
            ],
            by=p["nadia"],
        )
        self.approve(previous.minutes, meeting, by=p["gerard"])
        self.vote(
            meeting,
            {
                "title": "Élection à la vice-présidence : candidature d'Ousmane Diop",
                "text": "Ousmane Diop, administrateur depuis la dernière assemblée générale, est candidat.",
                "kind": MotionKind.ELECTION,
                "voting_mode": VotingMode.SECRET,
            },
            [
                (p["gerard"], FOR),
                (p["gerard"], FOR, p["helene"]),
                (p["fatou"], FOR),
                (p["monique"], FOR),
                (p["samira"], FOR),
                (p["ousmane"], ABSTAIN),
            ],
            by=p["gerard"],
            after_minutes=20,
            agenda_item=election,
        )
        ousmane = services.current_seat(ca, p["ousmane"])
        services.update_seat(ousmane, office=Office.VICE_CHAIR, by=p["nadia"])
        answered = meetings.ends_at(meeting)
        with self.at(answered):
            opinions.respond_to_opinion(
                opinion,
                ResponseKind.PARTLY,
                OPINION_HOURS_RESPONSE,
                by=p["gerard"],
                answered_on=meetings.utc_to_local(meeting.starts_at).date(),
                meeting=meeting,
            )
        opinion.responded_at = answered
        self.close(meeting, by=p["nadia"])
        launched = self.follow_up(
            ca,
            meeting,
            {
                "text": "Soumettre au vote en ligne des administrateurs l'essai d'une permanence d'accueil le samedi",
                "owner_id": p["gerard"].id,
                "due_date": self.today,
                "status": FollowUpStatus.DONE,
                "note": "Vote en ligne ouvert jusqu'à la semaine prochaine.",
            },
            by=p["nadia"],
        )
        launched.updated_at = self.started - timedelta(days=2)
        self.minutes(meeting, CA2_MINUTES, by=p["nadia"], written_days=4)
        # The previous minutes, approved tonight, are published with these.
        self.publish(previous.minutes, meetings.ends_at(meeting) + timedelta(days=4, hours=2), by=p["nadia"])
        return meeting

    def comite_second(self, comite: Instance, previous: Meeting) -> Meeting:
        p = self.p
        meeting = self.meeting(
            comite,
            "Comité d'usagers — accueil des familles",
            self.day(14, 1),
            18,
            0,
            120,
            "Salle 1, rez-de-chaussée",
            p["karima"],
        )
        _approval, hall, troc, _affiche = self.agenda(
            meeting,
            [
                "Approbation du compte rendu de la réunion précédente",
                ("Accueil des familles dans le hall : avis au conseil d'administration", ""),
                ("Troc de vêtements d'enfants", "Proposition de Monique et des bénévoles de l'épicerie."),
                "Affiche des horaires en plusieurs langues",
            ],
            by=p["karima"],
        )
        self.convened_in_the_past(meeting, by=p["karima"])
        self.attendance(
            meeting,
            [
                (p["lucie"], P),
                (p["karima"], P),
                (p["sofiane"], P),
                (p["monique"], P),
                (p["thi_lan"], P),
                (p["samira"], P),
                (p["marcel"], E),
            ],
            by=p["karima"],
        )
        self.approve(previous.minutes, meeting, by=p["lucie"])
        present = ("lucie", "karima", "sofiane", "monique", "thi_lan", "samira")
        self.vote(
            meeting,
            {
                "title": "Organiser un troc de vêtements d'enfants un samedi matin",
                "text": "Dans la grande salle, avec les bénévoles de l'épicerie solidaire ; les vêtements restants "
                "iront à une association du quartier.",
                "kind": MotionKind.PROPOSAL,
                "voting_mode": VotingMode.OPEN,
            },
            [(p[key], ABSTAIN if key == "samira" else FOR) for key in present],
            by=p["karima"],
            after_minutes=50,
            agenda_item=troc,
        )
        motion = self.vote(
            meeting,
            {
                "title": "Avis sur l'accueil des familles dans le hall",
                "text": OPINION_HALL_TEXT,
                "kind": MotionKind.OPINION,
                "voting_mode": VotingMode.OPEN,
            },
            [(p[key], FOR) for key in present],
            by=p["karima"],
            after_minutes=30,
            agenda_item=hall,
        )
        self.close(meeting, by=p["karima"])
        self.send_opinion(motion, meetings.ends_at(meeting) + timedelta(days=1), by=p["lucie"])
        self.minutes(meeting, CU2_MINUTES, by=p["karima"], written_days=3)
        self.follow_up(
            comite,
            meeting,
            {
                "text": "Traduire l'affiche des horaires de l'accueil en arabe, en vietnamien et en anglais",
                "owner_id": p["thi_lan"].id,
                "due_date": self.today - timedelta(days=4),
            },
            by=p["karima"],
        )
        return meeting

    def fph_meeting(self, fph: Instance) -> Meeting:
        p = self.p
        tournoi = db.session.scalar(
            sa.select(Initiative).where(
                Initiative.structure_id == self.structure.id, Initiative.title == "Tournoi de foot intergénérationnel"
            )
        )
        meeting = self.meeting(
            fph, "Comité FPH — examen des demandes", self.day(10, 2), 18, 0, 90, "Salle 2, 1er étage", p["julie"]
        )
        items = self.agenda(
            meeting,
            [
                (
                    "Tournoi de foot intergénérationnel : nouvelle demande des porteurs",
                    "Demande de 200 € pour les chasubles, les ballons et le goûter.",
                    tournoi.id if tournoi is not None and tournoi.status.is_public else None,
                ),
                "Point sur l'enveloppe de l'année",
            ],
            by=p["julie"],
        )
        self.convened_in_the_past(meeting, by=p["julie"])
        self.attendance(
            meeting,
            [(p["fatou"], P), (p["marcel"], P), (p["jean_marc"], P), (p["samira"], P), (p["helene"], E)],
            by=p["julie"],
        )
        fields = {
            "title": "Tournoi de foot intergénérationnel : report au printemps",
            "text": "Le city-stade des Buers reste fermé pour travaux. Le comité reporte sa décision à la "
            "réouverture du terrain et réserve d'ici là 200 € sur l'enveloppe FPH.",
            "kind": MotionKind.DECISION,
            "voting_mode": VotingMode.OPEN,
        }
        if items[0].initiative_id is not None:
            fields["initiative_decision"] = "postponed"
        self.vote(
            meeting,
            fields,
            [(p[key], FOR) for key in ("fatou", "marcel", "jean_marc", "samira")],
            by=p["fatou"],
            after_minutes=35,
            agenda_item=items[0],
        )
        if items[0].initiative_id is not None:
            self.date_initiative_decision(items[0].initiative_id, meeting.starts_at + timedelta(minutes=43))
        self.close(meeting, by=p["julie"])
        self.minutes(meeting, FPH_MINUTES, by=p["julie"], written_days=2)
        return meeting

    def date_initiative_decision(self, initiative_id: int, when: datetime) -> None:
        """The decision the vote recorded on the initiative happened during the meeting."""
        db.session.execute(
            sa.update(InitiativeEvent)
            .where(InitiativeEvent.initiative_id == initiative_id, InitiativeEvent.at >= self.started)
            .values(at=when)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            sa.update(Initiative)
            .where(Initiative.id == initiative_id)
            .values(decided_at=when, updated_at=when)
            .execution_options(synchronize_session=False)
        )

    def jeunesse_meeting(self, jeunesse: Instance) -> Meeting:
        p = self.p
        meeting = self.meeting(
            jeunesse,
            "Commission jeunesse — programme des vacances",
            self.day(3, 2),
            17,
            30,
            90,
            "Espace jeunes",
            p["julie"],
        )
        self.agenda(
            meeting,
            ["Programme des prochaines vacances", "Chantier jeunes : repeindre l'espace jeunes"],
            by=p["sofiane"],
        )
        self.convened_in_the_past(meeting, by=p["sofiane"])
        self.attendance(
            meeting, [(p["sofiane"], P), (p["yanis"], P), (p["lucie"], P), (p["karima"], E)], by=p["sofiane"]
        )
        self.close(meeting, by=p["sofiane"])
        # Minutes being written: not published yet.
        self.minutes(meeting, JEUNESSE_MINUTES, by=p["sofiane"], written_days=1, publish=False)
        return meeting

    def comite_next(self, comite: Instance) -> Meeting:
        """The next comité, convened, with its agenda and the first answers."""
        p = self.p
        fete = db.session.scalar(
            sa.select(Initiative).where(
                Initiative.structure_id == self.structure.id, Initiative.title == "Fête des voisins rue Branly"
            )
        )
        day = weekday_on_or_after(self.today + timedelta(days=8), 1)
        meeting = self.meeting(
            comite, "Comité d'usagers — projets d'habitants", day, 18, 0, 120, "Salle 1, rez-de-chaussée", p["karima"]
        )
        meeting.created_at = min(meeting.created_at, self.started - timedelta(days=3))
        self.agenda(
            meeting,
            [
                "Approbation du compte rendu de la réunion précédente",
                (
                    "Fête des voisins rue Branly : comment le centre peut aider",
                    "Sofiane présente le projet ; besoin de tables, de bancs et d'une affiche.",
                    fete.id if fete is not None and fete.status.is_public else None,
                ),
                ("Aide aux devoirs : point d'étape avec les bénévoles", "Avec Karima et Julie."),
                "Questions diverses",
            ],
            by=p["karima"],
        )
        convened = self.started - timedelta(days=1, hours=2)
        with self.at(convened, read=False):
            meetings.convene(meeting, by=p["karima"])
        meeting.convened_at = convened
        for hours_later, key, answer in (
            (2, "lucie", RsvpAnswer.COMING),
            (3, "monique", RsvpAnswer.COMING),
            (5, "marcel", RsvpAnswer.EXCUSED),
            (20, "sofiane", RsvpAnswer.COMING),
        ):
            rsvp = meetings.answer_rsvp(meeting, p[key], answer, by=p[key])
            rsvp.updated_at = convened + timedelta(hours=hours_later)
        return meeting

    def online_vote(self, ca: Instance) -> Motion:
        """An online vote of the administrators, open until next week."""
        p = self.p
        opened = at_local(self.today - timedelta(days=2), 9)
        closes = at_local(self.today + timedelta(days=6), 20)
        with self.at(opened, read=False):
            motion = votes.create_motion(
                ca,
                {
                    "title": "Essai d'une permanence d'accueil bénévole le samedi matin",
                    "text": "Suite à l'avis du comité d'usagers : ouvrir l'accueil le samedi de 9 h à 12 h pendant "
                    "trois mois, avec deux bénévoles formés et une animatrice joignable par téléphone. "
                    "Bilan au prochain conseil.",
                    "kind": MotionKind.DECISION,
                    "voting_mode": VotingMode.OPEN,
                    "closes_at": closes,
                },
                p["gerard"],
            )
            votes.open_vote(motion, p["gerard"])
        motion.created_at, motion.opens_at = opened - timedelta(hours=1), opened
        for hours_later, key, choice in ((3, "gerard", FOR), (20, "fatou", FOR), (30, "samira", ABSTAIN)):
            when = opened + timedelta(hours=hours_later)
            with self.at(when):
                votes.cast_vote(motion, p[key], choice, p[key])
            for model in (Voter, OpenVote):
                db.session.execute(
                    sa.update(model)
                    .where(model.motion_id == motion.id, model.person_id == p[key].id)
                    .values(cast_at=when)
                    .execution_options(synchronize_session=False)
                )
        return motion

    def fix_minutes_dates(self) -> None:
        """Minutes keep `updated_at` current on every change: write the story's dates last."""
        db.session.flush()
        for minutes_id, values in self.minutes_dates.items():
            db.session.execute(
                sa.update(Minutes)
                .where(Minutes.id == minutes_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )


def seed_instances(structure: Structure) -> int:
    """Create the demo instances of `structure` unless it already has some; returns how many were created."""
    exists = db.session.scalar(sa.select(Instance.id).where(Instance.structure_id == structure.id).limit(1))
    if exists is not None:
        return 0
    people = demo_people(structure, PEOPLE)
    if people is None:
        return 0
    with no_emails():
        _Seed(structure, people).run()
    db.session.flush()
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Instance).where(Instance.structure_id == structure.id)
    )
