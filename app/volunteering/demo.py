"""Demo volunteering for `flask seed`: La Passerelle's missions, weeks of shifts done and to come,
hours validated and valued, a few still waiting in the validation queue.

Shifts to come are created and filled through the services (weekly series, one-tap sign-ups, a
full shift with its waitlist). Shifts already done cannot be created nor joined any more, so they
are written with the models (same series, same rules) and then go through the real roster: the
coordinator marks who came (`mark_presence`: ledger row L3 + proposed hours) and staff validate
the hours (`validate_entry`: valuation snapshot + ledger row). Governance hours come from the
demo meetings of `app.instances.demo` (run it first). Every "now" the services stamp is moved back
to when the act happened (`backdated`).

Idempotent: a structure that already has missions is left alone. Flushes; the caller commits.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.accounts.models import User
from app.centres.models import Structure
from app.extensions import db
from app.initiatives.models import Initiative
from app.instances.demo import backdated, demo_people, no_emails, weekday_on_or_after
from app.instances.models import Instance, Meeting
from app.timeutil import local_today, utcnow
from app.volunteering import hours, services
from app.volunteering.models import (
    Category,
    ContactSharing,
    EntrySource,
    EntryStatus,
    HourEntry,
    Mission,
    MissionStatus,
    Presence,
    Shift,
    ShiftSeries,
    Signup,
    SignupStatus,
    ValuationMethod,
    VolunteerProfile,
)

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

AIDE_TITLE = "Aide aux devoirs"
EPICERIE_TITLE = "Épicerie solidaire — tenue de la caisse"
FETE_TITLE = "Fête de quartier des Buers"
CAFE_TITLE = "Café des parents — accueil"
AG_TITLE = "Préparation de l'assemblée générale"

ATTENDED, NO_SHOW = Presence.ATTENDED, Presence.NO_SHOW

AIDE_DESCRIPTION = (
    "Accompagner les collégiens de la 6e à la 3e dans leurs devoirs, le mardi et le jeudi après les cours, "
    "dans la salle 2. Pas besoin d'être prof : il faut surtout de la patience et l'envie d'expliquer.\n\n"
    "Julie, animatrice, encadre chaque séance ; le goûter est offert par le centre."
)
EPICERIE_DESCRIPTION = (
    "Tenir la caisse de l'épicerie solidaire le vendredi après-midi : accueillir les familles, passer les "
    "articles, noter les achats sur la carte de chaque foyer. Une formation d'une heure est prévue avant "
    "le premier créneau."
)
FETE_DESCRIPTION = (
    "La grande fête du quartier des Buers, sur la place devant le centre : stands des associations, scène "
    "ouverte, jeux pour les enfants et goûter partagé.\n\n"
    "9 h – 12 h : installation des stands et des barnums ; 14 h – 18 h : buvette et goûter ; "
    "18 h – 20 h : rangement."
)
CAFE_DESCRIPTION = (
    "Accueillir les parents au café des parents du vendredi matin, après l'école : préparer le café et le "
    "thé, présenter les nouveaux venus, faire le lien avec la référente famille."
)
AG_DESCRIPTION = (
    "Avec le bureau et la directrice : rédiger le rapport moral et le rapport d'activité, préparer le budget "
    "et les comptes, organiser la salle et l'accueil des adhérents le jour de l'assemblée générale."
)


class _Seed:
    def __init__(self, structure: Structure, people: dict[str, User]):
        self.structure = structure
        self.p = people
        self.started = utcnow()
        self.today = local_today()

    def at(self, when: datetime, *, read: bool = True):
        return backdated(min(when, self.started), self.started, read=read)

    def when(self, moment: datetime) -> datetime:
        """A moment of the story, never after the seed started."""
        return min(moment, self.started - timedelta(minutes=5))

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return services.to_utc(day, time(hour, minute))

    # --- missions and shifts ---

    def mission(self, fields: dict, created_days_ago: int, *, by: User) -> Mission:
        created = self.local(self.today - timedelta(days=created_days_ago), 10)
        with self.at(created):
            mission = services.create_mission(self.structure, {"status": MissionStatus.PUBLISHED, **fields}, by=by)
        mission.created_at = created
        return mission

    def weekly(
        self,
        mission: Mission,
        weekday: int,
        start: time,
        end: time,
        *,
        capacity: int,
        place: str,
        weeks_back: int,
        weeks_ahead: int,
        closes_hours: int = 0,
        by: User,
    ) -> tuple[list[Shift], list[Shift]]:
        """A weekly series: created through the service from tomorrow on, then extended back in
        time with the shifts already done. Returns (past shifts, shifts still open to sign-ups)."""
        first = weekday_on_or_after(self.today + timedelta(days=1), weekday)
        with self.at(mission.created_at):
            series = services.add_weekly_shifts(
                mission,
                {
                    "first_date": first,
                    "last_date": self.today + timedelta(days=7 * weeks_ahead),
                    "weekday": weekday,
                    "start": start,
                    "end": end,
                    "place": place,
                    "capacity": capacity,
                    "closes_hours": closes_hours,
                },
                by=by,
            )
        series.created_at = mission.created_at
        past_days = [first - timedelta(days=7 * k) for k in range(weeks_back, 0, -1)]
        past = [self.past_shift(mission, series, day, start, end) for day in past_days if day < self.today]
        if past:
            series.first_date = min(series.first_date, past_days[0])
        future = list(
            db.session.scalars(
                sa.select(Shift)
                .where(Shift.series_id == series.id, Shift.starts_at > self.started)
                .order_by(Shift.starts_at)
            )
        )
        for shift in future:
            shift.created_at = mission.created_at
        # The next shift may already be closed to sign-ups (the deadline is a day before, say).
        return past, [shift for shift in future if services.signups_open(shift)]

    def past_shift(self, mission: Mission, series: ShiftSeries, day: date, start: time, end: time) -> Shift:
        starts = self.local(day, start.hour, start.minute)
        shift = Shift(
            mission_id=mission.id,
            series_id=series.id,
            starts_at=starts,
            ends_at=self.local(day, end.hour, end.minute),
            signup_closes_at=starts - timedelta(hours=series.signup_closes_hours)
            if series.signup_closes_hours
            else None,
            place=series.place,
            capacity=series.capacity,
            confirmed_count=0,
            created_at=mission.created_at,
        )
        db.session.add(shift)
        db.session.flush()
        return shift

    def roster(self, shift: Shift, team: list[tuple[User, Presence]], *, by: User) -> list[Signup]:
        """People signed up before a past shift, then marked by the coordinator after it."""
        signups = []
        for position, (person, _presence) in enumerate(team):
            signup = Signup(
                shift_id=shift.id,
                person_id=person.id,
                status=SignupStatus.CONFIRMED,
                queued_at=shift.starts_at - timedelta(days=5, hours=len(team) - position),
            )
            db.session.add(signup)
            signups.append(signup)
        shift.confirmed_count = len(team)
        db.session.flush()
        marked = shift.ends_at + timedelta(minutes=15)
        with self.at(marked):
            for signup, (_person, presence) in zip(signups, team, strict=True):
                services.mark_presence(signup, presence, by=by)
            services.finish_attendance(shift, by=by)
        shift.attendance_done_at = marked
        db.session.execute(
            sa.update(HourEntry)
            .where(HourEntry.signup_id.in_([s.id for s in signups]))
            .values(created_at=marked)
            .execution_options(synchronize_session=False)
        )
        return signups

    def sign_up(self, shift: Shift, people: list[User], *, hours_ago: int) -> list[Signup]:
        """Sign-ups through the service (places, then the waitlist), dated a few hours or days ago."""
        signups = [services.sign_up(shift, person, by=person) for person in people]
        base = self.started - timedelta(hours=hours_ago)
        for position, signup in enumerate(signups):
            signup.queued_at = base + timedelta(minutes=37 * position)
        return signups

    # --- hours ---

    def validate(self, entry: HourEntry, *, by: User, days_later: int = 2) -> None:
        done = self.when(self.local(entry.day + timedelta(days=days_later), 10, 30))
        with self.at(done):
            hours.validate_entry(entry, by)
        entry.validated_at = done

    def declare(self, person: User, days_ago: int, amount: str, category: Category, text: str, **fields) -> HourEntry:
        day = self.today - timedelta(days=days_ago)
        declared = self.when(self.local(day, 20))
        with self.at(declared):
            entry = hours.declare_hours(
                self.structure,
                person,
                {"day": day, "hours": Decimal(amount), "category": category, "description": text, **fields},
                by=person,
            )
        entry.created_at = declared
        return entry

    # --- the story ---

    def run(self) -> int:
        p, today = self.p, self.today
        with self.at(self.local(date(today.year, 1, 1), 10)):
            day = date(today.year, 1, 1)
            policy = hours.add_policy(
                self.structure,
                {
                    "effective_from": day,
                    "method": ValuationMethod.SMIC_GROSS,
                    "default_rate": hours.default_smic(day),
                    "full_time_hours": hours.DEFAULT_FULL_TIME_HOURS,
                },
                by=p["nadia"],
            )
        policy.created_at = self.when(self.local(day, 10))

        pending = self.aide_aux_devoirs()
        self.epicerie()
        self.cafe_des_parents()
        self.fete()
        self.assemblee_generale()
        self.profiles()

        # Staff validate the hours of every shift done, but the last one of the aide aux devoirs.
        proposals = db.session.scalars(
            sa.select(HourEntry)
            .where(
                HourEntry.structure_id == self.structure.id,
                HourEntry.status == EntryStatus.PROPOSED,
                HourEntry.source == EntrySource.SHIFT,
            )
            .order_by(HourEntry.day, HourEntry.id)
        ).all()
        for entry in proposals:
            if entry.signup_id not in pending:
                self.validate(entry, by=p["julie"])
        self.meeting_hours()
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(Mission).where(Mission.structure_id == self.structure.id)
        )

    def aide_aux_devoirs(self) -> set[int]:
        """Returns the sign-ups of the last shift done, whose hours still wait for validation."""
        p = self.p
        initiative_id = db.session.scalar(
            sa.select(Initiative.id).where(
                Initiative.structure_id == self.structure.id, Initiative.title == "Aide aux devoirs par des lycéens"
            )
        )
        mission = self.mission(
            {
                "title": AIDE_TITLE,
                "description": AIDE_DESCRIPTION,
                "category": Category.ACTIVITY,
                "skills": "mathématiques, français, anglais, patience",
                "activity": "Accompagnement à la scolarité",
                "initiative_id": initiative_id,
                "coordinator_ids": [p["karima"].id, p["julie"].id],
            },
            60,
            by=p["julie"],
        )
        slot = {"capacity": 4, "place": "Salle 2, 1er étage", "weeks_back": 6, "weeks_ahead": 8, "closes_hours": 2}
        tuesdays, next_tuesdays = self.weekly(mission, 1, time(16, 30), time(18), **slot, by=p["julie"])
        thursdays, next_thursdays = self.weekly(mission, 3, time(16, 30), time(18), **slot, by=p["julie"])
        for n, shift in enumerate(tuesdays):
            team = [(p["yanis"], ATTENDED), (p["helene"], ATTENDED)]
            if n % 2:
                team.append((p["lucie"], ATTENDED))
            self.roster(shift, team, by=p["karima"])
        for n, shift in enumerate(thursdays):
            team = [(p["monique"], ATTENDED), (p["thi_lan"], ATTENDED)]
            if n % 3 != 2:
                team.append((p["ousmane"], NO_SHOW if n == 1 else ATTENDED))
            self.roster(shift, team, by=p["karima"])
        last = max(tuesdays + thursdays, key=lambda s: s.starts_at, default=None)
        pending = {s.id for s in last.signups} if last is not None else set()

        # Ousmane declared the Thursday he had forgotten… already counted from the roster.
        if thursdays:
            day = services.to_local(thursdays[1 if len(thursdays) > 1 else 0].starts_at).date()
            entry = self.declare(
                p["ousmane"],
                (self.today - day).days,
                "1.5",
                Category.ACTIVITY,
                "Aide aux devoirs du jeudi",
                mission_id=mission.id,
            )
            rejected = self.when(self.local(day + timedelta(days=3), 9, 45))
            with self.at(rejected):
                hours.reject_entry(
                    entry,
                    "Karima vous a noté absent ce jeudi-là ; si vous étiez bien là, dites-le-lui et elle corrigera "
                    "la feuille de présence.",
                    p["karima"],
                )

        # Karima's coordination time: supervising volunteers (counts for the CEC).
        coordination = self.declare(
            p["karima"],
            16,
            "2",
            Category.SUPERVISION,
            "Coordination de l'équipe de l'aide aux devoirs : planning du mois et accueil d'une nouvelle bénévole",
            mission_id=mission.id,
        )
        self.validate(coordination, by=p["julie"], days_later=1)

        if next_tuesdays:
            self.sign_up(next_tuesdays[0], [p["yanis"], p["helene"]], hours_ago=50)
        if len(next_tuesdays) > 1:
            self.sign_up(next_tuesdays[1], [p["yanis"]], hours_ago=26)
        if next_thursdays:
            self.sign_up(next_thursdays[0], [p["thi_lan"], p["monique"], p["ousmane"]], hours_ago=44)
        if len(next_thursdays) > 1:
            self.sign_up(next_thursdays[1], [p["monique"]], hours_ago=20)
        return pending

    def epicerie(self) -> None:
        p = self.p
        mission = self.mission(
            {
                "title": EPICERIE_TITLE,
                "description": EPICERIE_DESCRIPTION,
                "category": Category.ACTIVITY,
                "skills": "caisse, accueil, calcul",
                "activity": "Épicerie solidaire",
                "coordinator_ids": [p["karima"].id],
            },
            75,
            by=p["julie"],
        )
        past, future = self.weekly(
            mission,
            4,
            time(14),
            time(17),
            capacity=2,
            place="Épicerie solidaire, rez-de-chaussée",
            weeks_back=6,
            weeks_ahead=8,
            closes_hours=24,
            by=p["karima"],
        )
        for n, shift in enumerate(past):
            partner = p["monique"] if n % 2 == 0 else p["samira"]
            self.roster(shift, [(p["marcel"], ATTENDED), (partner, ATTENDED)], by=p["karima"])
        if future:
            self.sign_up(future[0], [p["marcel"], p["monique"]], hours_ago=70)
        if len(future) > 1:
            self.sign_up(future[1], [p["marcel"]], hours_ago=30)
        # Monique sorted the donations at the weekend: declared, waiting for Karima or the team.
        self.declare(
            p["monique"],
            2,
            "2.5",
            Category.ACTIVITY,
            "Tri des dons et mise en rayon à l'épicerie solidaire",
            mission_id=mission.id,
        )

    def cafe_des_parents(self) -> None:
        p = self.p
        mission = self.mission(
            {
                "title": CAFE_TITLE,
                "description": CAFE_DESCRIPTION,
                "category": Category.ACTIVITY,
                "skills": "accueil, cuisine, langues",
                "activity": "Café des parents",
                "coordinator_ids": [p["julie"].id],
            },
            45,
            by=p["julie"],
        )
        past, future = self.weekly(
            mission,
            4,
            time(8, 30),
            time(10, 30),
            capacity=2,
            place="Salle des familles",
            weeks_back=4,
            weeks_ahead=6,
            by=p["julie"],
        )
        for n, shift in enumerate(past):
            team = [(p["lucie"], ATTENDED), (p["thi_lan"], ATTENDED)] if n % 2 == 0 else [(p["thi_lan"], ATTENDED)]
            self.roster(shift, team, by=p["julie"])
        if future:
            self.sign_up(future[0], [p["lucie"]], hours_ago=28)

    def fete(self) -> None:
        """The neighbourhood party: one shift full with a waitlist, the others filling up."""
        p = self.p
        mission = self.mission(
            {
                "title": FETE_TITLE,
                "description": FETE_DESCRIPTION,
                "category": Category.EVENT,
                "skills": "installation, cuisine, animation enfants",
                "activity": "Fête de quartier",
                "coordinator_ids": [p["julie"].id, p["karima"].id],
            },
            20,
            by=p["julie"],
        )
        day = weekday_on_or_after(self.today + timedelta(days=12), 5)
        place = "Place des Buers, devant le centre"
        shifts = []
        with self.at(mission.created_at):
            for start, end, capacity in ((time(9), time(12), 3), (time(14), time(18), 4), (time(18), time(20), 4)):
                shifts.append(
                    services.add_shift(
                        mission,
                        {"day": day, "start": start, "end": end, "place": place, "capacity": capacity},
                        by=p["julie"],
                    )
                )
        for shift in shifts:
            shift.created_at = mission.created_at
        install, buvette, rangement = shifts
        self.sign_up(install, [p["ousmane"], p["jean_marc"], p["sofiane"], p["yanis"]], hours_ago=120)
        self.sign_up(buvette, [p["fatou"], p["samira"]], hours_ago=96)
        self.sign_up(rangement, [p["marcel"]], hours_ago=30)

    def assemblee_generale(self) -> None:
        """A governance mission linked to the CA: hours declared by the bureau, validated by the director."""
        p = self.p
        ca_id = db.session.scalar(
            sa.select(Instance.id).where(
                Instance.structure_id == self.structure.id, Instance.name == "Conseil d'administration"
            )
        )
        mission = self.mission(
            {
                "title": AG_TITLE,
                "description": AG_DESCRIPTION,
                "category": Category.GOVERNANCE,
                "skills": "rédaction, comptabilité, organisation",
                "activity": "Vie associative",
                "instance_id": ca_id,
                "coordinator_ids": [p["nadia"].id],
            },
            40,
            by=p["nadia"],
        )
        for key, days_ago, amount, text in (
            ("gerard", 24, "2.5", "Préparation de l'ordre du jour du conseil et rencontre avec l'adjointe au maire"),
            ("helene", 22, "3", "Rédaction du rapport moral avec le président"),
            ("fatou", 18, "4", "Préparation du budget prévisionnel avec la directrice"),
        ):
            entry = self.declare(p[key], days_ago, amount, Category.GOVERNANCE, text, mission_id=mission.id)
            self.validate(entry, by=p["nadia"])

    def profiles(self) -> None:
        p = self.p
        for key, fields in (
            (
                "monique",
                {
                    "skills": "caisse, bricolage, électricité, mathématiques",
                    "availability": ["tue_pm", "thu_pm", "fri_pm", "sat_am"],
                    "note": "Je peux dépanner au pied levé le vendredi.",
                    "share_with_coordinators": True,
                    "contact_sharing": ContactSharing.EMAIL,
                },
            ),
            (
                "thi_lan",
                {
                    "skills": "cuisine, couture, vietnamien, accueil",
                    "availability": ["mon_am", "thu_pm", "fri_am"],
                    "note": "Pas disponible pendant les vacances scolaires.",
                    "share_with_coordinators": True,
                    "contact_sharing": ContactSharing.EMAIL,
                },
            ),
            (
                "yanis",
                {
                    "skills": "mathématiques, anglais, informatique, animation",
                    "availability": ["tue_pm", "wed_pm", "thu_pm", "sat_pm"],
                    "note": "En BTS : libre après 16 h.",
                    "share_with_coordinators": True,
                    "contact_sharing": ContactSharing.NONE,
                },
            ),
        ):
            services.save_profile(p[key], self.structure, fields)
        db.session.flush()
        db.session.execute(
            sa.update(VolunteerProfile)
            .where(VolunteerProfile.structure_id == self.structure.id)
            .values(updated_at=self.when(self.started - timedelta(days=12)))
            .execution_options(synchronize_session=False)
        )

    def meeting_hours(self) -> None:
        """Hours proposed from the instances' meetings: validated, but those of the latest meeting."""
        proposals = db.session.scalars(
            sa.select(HourEntry)
            .where(
                HourEntry.structure_id == self.structure.id,
                HourEntry.status == EntryStatus.PROPOSED,
                HourEntry.source == EntrySource.MEETING,
            )
            .order_by(HourEntry.day, HourEntry.id)
        ).all()
        if not proposals:
            return
        latest = db.session.scalar(
            sa.select(Meeting.id)
            .where(Meeting.id.in_({e.meeting_id for e in proposals}))
            .order_by(Meeting.starts_at.desc())
            .limit(1)
        )
        for entry in proposals:
            if entry.meeting_id != latest:
                self.validate(entry, by=self.p["julie"], days_later=3)


def seed_volunteering(structure: Structure) -> int:
    """Create the demo missions of `structure` unless it already has some; returns how many were created."""
    exists = db.session.scalar(sa.select(Mission.id).where(Mission.structure_id == structure.id).limit(1))
    if exists is not None:
        return 0
    people = demo_people(structure, PEOPLE)
    if people is None:
        return 0
    with no_emails():
        created = _Seed(structure, people).run()
    db.session.flush()
    db.session.expire_all()
    return created
