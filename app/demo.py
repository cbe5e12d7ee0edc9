"""Demo data for `flask seed`: a centre social, its quartiers and themes, one account per role,
the people of its instances, and each feature's demo content (initiatives, instances, volunteering)."""

import sqlalchemy as sa

from app.accounts.models import CreatedVia, User
from app.accounts.passwords import hash_password
from app.centres.models import Membership, Quartier, Role, Structure, Theme
from app.extensions import db
from app.timeutil import utcnow

DEMO_PASSWORD = "ensemble-demo"

CENTRE = {
    "name": "Centre social La Passerelle",
    "city": "Villeurbanne",
    "welcome": (
        "Bienvenue à La Passerelle ! Ici, les habitantes et les habitants proposent des projets, "
        "décident ensemble au comité d'usagers et donnent un coup de main quand ils le peuvent."
    ),
    "contact_email": "accueil@lapasserelle.example",
    "contact_phone": "04 78 00 00 00",
}
QUARTIERS = [
    ("Les Buers", True, "QN06902M"),
    ("Saint-Jean", True, "QN06903M"),
    ("Gratte-Ciel", False, None),
    ("Cusset", False, None),
    ("Grandclément", False, None),
]
THEMES = [
    "Famille et parentalité",
    "Enfance et jeunesse",
    "Cadre de vie et environnement",
    "Culture et loisirs",
    "Solidarité et accès aux droits",
    "Seniors et lien social",
]
#: (e-mail, display name, role, job title, quartier, birth year)
ACCOUNTS = [
    ("admin@ensemble.test", "Nadia Benali", Role.ADMIN, "Directrice", "Gratte-Ciel", 1976),
    ("staff@ensemble.test", "Julie Martin", Role.STAFF, "Animatrice", "Cusset", 1991),
    ("coord@ensemble.test", "Karima Diallo", Role.COORDINATOR, None, "Les Buers", 1968),
    ("benevole@ensemble.test", "Monique Lefèvre", Role.HABITANT, None, "Saint-Jean", 1954),
    ("habitant@ensemble.test", "Sofiane Haddad", Role.HABITANT, None, "Les Buers", 1989),
]
#: The people of the neighbourhood who sit in the instances and volunteer (same shape as ACCOUNTS).
#: Created after the demo initiatives, which draw their supporters from ACCOUNTS only.
PEOPLE = [
    ("gerard.moreau@ensemble.test", "Gérard Moreau", Role.HABITANT, None, "Gratte-Ciel", 1951),
    ("fatou.sow@ensemble.test", "Fatou Sow", Role.HABITANT, None, "Les Buers", 1972),
    ("helene.garnier@ensemble.test", "Hélène Garnier", Role.HABITANT, None, "Cusset", 1960),
    ("ousmane.diop@ensemble.test", "Ousmane Diop", Role.HABITANT, None, "Saint-Jean", 1986),
    ("jean-marc.petit@ensemble.test", "Jean-Marc Petit", Role.HABITANT, None, "Les Buers", 1965),
    ("samira.bouzid@ensemble.test", "Samira Bouzid", Role.HABITANT, None, "Grandclément", 1979),
    ("lucie.fontaine@ensemble.test", "Lucie Fontaine", Role.HABITANT, None, "Les Buers", 1990),
    ("marcel.girard@ensemble.test", "Marcel Girard", Role.HABITANT, None, "Saint-Jean", 1947),
    ("thi-lan.nguyen@ensemble.test", "Thi Lan Nguyen", Role.HABITANT, None, "Grandclément", 1983),
    ("yanis.meziane@ensemble.test", "Yanis Meziane", Role.HABITANT, None, "Les Buers", 2007),
]
FIRST_NAMES = [
    "Aïcha",
    "Bernard",
    "Chloé",
    "Djamel",
    "Élodie",
    "Fatou",
    "Gérard",
    "Hawa",
    "Inès",
    "Jean-Pierre",
    "Khadija",
    "Louis",
    "Mamadou",
    "Nathalie",
    "Omar",
    "Patricia",
    "Rachid",
    "Sylvie",
    "Thi Lan",
    "Yasmine",
]


def _structure() -> Structure:
    structure = db.session.scalar(sa.select(Structure).where(Structure.name == CENTRE["name"]))
    if structure is None:
        structure = Structure(**CENTRE)
        db.session.add(structure)
    known = {q.name for q in structure.quartiers}
    for name, is_qpv, code in QUARTIERS:
        if name not in known:
            structure.quartiers.append(
                Quartier(name=name, is_qpv=is_qpv, qpv_code=code, qpv_list_version="2024" if code else None)
            )
    known_themes = {t.name for t in structure.themes}
    for name in THEMES:
        if name not in known_themes:
            structure.themes.append(Theme(name=name))
    db.session.flush()
    return structure


def _account(structure, password_hash, email, name, role, job_title, quartier_name, birth_year) -> bool:
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        return False
    quartier = next(q for q in structure.quartiers if q.name == quartier_name)
    user = User(
        display_name=name,
        username=email.split("@")[0],
        email=email,
        email_confirmed_at=utcnow(),
        password_hash=password_hash,
        birth_year=birth_year,
        created_via=CreatedVia.SEED,
    )
    user.memberships.append(
        Membership(structure_id=structure.id, role=role, job_title=job_title, quartier_id=quartier.id)
    )
    db.session.add(user)
    return True


def seed_demo(extra_habitants: int = 0) -> int:
    """Create what is missing of the demo data; returns the number of accounts created."""
    structure = _structure()
    password_hash = hash_password(DEMO_PASSWORD)
    created = 0
    for email, name, role, job, quartier, year in ACCOUNTS:
        created += _account(structure, password_hash, email, name, role, job, quartier, year)
    for n in range(1, extra_habitants + 1):
        first = FIRST_NAMES[(n - 1) % len(FIRST_NAMES)]
        quartier = QUARTIERS[n % len(QUARTIERS)][0]
        created += _account(
            structure,
            password_hash,
            f"habitant{n}@ensemble.test",
            f"{first} ({n})",
            Role.HABITANT,
            None,
            quartier,
            1950 + n % 60,
        )
    db.session.flush()
    from app.evaluation.demo import seed_evaluation
    from app.initiatives.demo import seed_initiatives  # features sit above the foundation
    from app.instances.demo import seed_instances
    from app.volunteering.demo import seed_volunteering

    seed_initiatives(structure)
    for email, name, role, job, quartier, year in PEOPLE:
        created += _account(structure, password_hash, email, name, role, job, quartier, year)
    db.session.flush()
    seed_instances(structure)
    seed_volunteering(structure)  # after the instances: their meetings propose governance hours
    seed_evaluation(structure)  # last: tags the initiatives, instances and missions above
    return created
