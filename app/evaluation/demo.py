"""Demo evaluation for `flask seed`: La Passerelle's four-year projet social starting last January
(three axes, objectives, fiches action, indicators with baselines and targets), the objectives the
demo initiatives,
instances and missions serve, anonymous headcounts of the last two years, and the direction's
manual figures (staff, budget, adhérents, partners).

Figures themselves are never written here: they come from what the other demo modules did
through the services (ledger, hours, meetings). Idempotent: a centre that already has a projet
social is left alone. Flushes; the caller commits.
"""

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.accounts.models import AgeBracket, User
from app.centres.models import Structure
from app.evaluation.models import (
    Action,
    Axis,
    HeadCount,
    Indicator,
    IndicatorKind,
    LinkTarget,
    ManualFigure,
    Objective,
    ObjectiveLink,
    SocialProject,
)
from app.extensions import db
from app.initiatives.models import Initiative
from app.instances.models import Instance
from app.timeutil import local_today
from app.volunteering.models import Mission

# (title, description, [general objectives]); a general objective: (title, [operational objectives],
# [actions], [indicators]); an operational objective: (title, [actions], [indicators]);
# an action: dict of Action fields + "links"; an indicator: dict of Indicator fields.
PROJECT = {
    "title": "Vivre et agir ensemble aux Buers et à Saint-Jean",
    "summary": (
        "Projet social agréé pour quatre ans par la Caf du Rhône. Issu du diagnostic partagé "
        "(questionnaire auprès de 212 habitants, quatre ateliers de quartier), il poursuit trois axes : "
        "la participation des habitants, le soutien aux familles, la solidarité de proximité."
    ),
}

AXES = [
    (
        "Favoriser la participation des habitants et leur pouvoir d'agir",
        "Que les habitants proposent, décident et portent des projets au centre et dans le quartier.",
        [
            (
                "Faire des habitants les acteurs du centre social",
                [
                    (
                        "Renforcer le comité d'usagers et la prise en compte de ses avis",
                        [
                            {
                                "title": "Comité d'usagers trimestriel",
                                "publics": "Usagers et habitants des quartiers",
                                "partners": "",
                                "theme": None,
                                "links": [(LinkTarget.INSTANCE, "Comité d'usagers")],
                            }
                        ],
                        [
                            {
                                "title": "Habitants siégeant ou participant aux instances",
                                "metric_code": "P3",
                                "baseline": "22",
                                "target": "40",
                                "comment": "Objectif : presque doubler la participation sur la durée du projet.",
                            },
                            {
                                "title": "Avis du comité d'usagers suivis d'une réponse du CA",
                                "metric_code": "P7",
                                "baseline": "50",
                                "target": "80",
                            },
                        ],
                    ),
                    (
                        "Soutenir les initiatives d'habitants",
                        [
                            {
                                "title": "Accompagnement des porteurs de projets et fonds de participation",
                                "publics": "Collectifs d'habitants, petites associations",
                                "partners": "Ville de Villeurbanne, Caf du Rhône",
                                "theme": "Cadre de vie et environnement",
                                "links": [
                                    (LinkTarget.INITIATIVE, "Fête des voisins rue Branly"),
                                    (LinkTarget.INITIATIVE, "Jardin partagé au pied des tours des Buers"),
                                    (LinkTarget.INSTANCE, "Comité FPH"),
                                ],
                            }
                        ],
                        [
                            {
                                "title": "Initiatives d'habitants soutenues dans l'année",
                                "metric_code": "I2",
                                "baseline": "5",
                                "target": "12",
                            },
                            {
                                "title": "Délai médian entre le dépôt et la décision",
                                "metric_code": "I4",
                                "baseline": "45",
                                "target": "30",
                                "comment": "Le fonds doit rester rapide et souple : viser moins d'un mois.",
                            },
                        ],
                    ),
                ],
                [],
                [
                    {
                        "title": "Paroles d'habitants sur leur place au centre",
                        "kind": IndicatorKind.QUALITATIVE,
                        "evidence": (
                            "Verbatims recueillis au bilan du comité d'usagers de juin : « On nous demande "
                            "notre avis et on voit ce qui change » ; « Les horaires de l'accueil ont été "
                            "modifiés grâce à nous »."
                        ),
                    }
                ],
            ),
        ],
    ),
    (
        "Soutenir les familles et la parentalité",
        "Rompre l'isolement des parents, accompagner les relations parents-enfants.",
        [
            (
                "Rompre l'isolement des parents",
                [],
                [
                    {
                        "title": "Café des parents",
                        "publics": "Parents d'enfants de 0 à 11 ans",
                        "partners": "Caf du Rhône, PMI de Villeurbanne",
                        "theme": "Famille et parentalité",
                        "is_family": True,
                        "links": [(LinkTarget.MISSION, "Café des parents — accueil")],
                    },
                    {
                        "title": "Sorties familles",
                        "publics": "Familles des Buers et de Saint-Jean",
                        "partners": "Vacances et familles, bailleur Est Métropole Habitat",
                        "theme": "Famille et parentalité",
                        "is_family": True,
                        "links": [(LinkTarget.INITIATIVE, "Sortie familles au lac du Bourget")],
                    },
                ],
                [
                    {
                        "title": "Personnes touchées par le centre",
                        "metric_code": "U1",
                        "baseline": "180",
                        "target": "300",
                    },
                    {
                        "title": "Jeunes de 18 à 25 ans touchés",
                        "metric_code": "U1",
                        "age_bracket": AgeBracket.YOUNG,
                        "baseline": "8",
                        "target": "25",
                    },
                ],
            ),
        ],
    ),
    (
        "Développer le bénévolat et la solidarité de proximité",
        "Accueillir, former et reconnaître les bénévoles ; faire vivre l'entraide dans le quartier.",
        [
            (
                "Accueillir et accompagner les bénévoles",
                [],
                [
                    {
                        "title": "Aide aux devoirs",
                        "publics": "Élèves de l'école Jean-Moulin et du collège Lakanal",
                        "partners": "Éducation nationale, lycée Pierre-Brossolette",
                        "theme": "Enfance et jeunesse",
                        "links": [
                            (LinkTarget.MISSION, "Aide aux devoirs"),
                            (LinkTarget.INITIATIVE, "Aide aux devoirs par des lycéens"),
                        ],
                    },
                    {
                        "title": "Épicerie solidaire",
                        "publics": "Ménages orientés par les travailleurs sociaux",
                        "partners": "Banque alimentaire du Rhône, CCAS",
                        "theme": "Solidarité et accès aux droits",
                        "links": [(LinkTarget.MISSION, "Épicerie solidaire — tenue de la caisse")],
                    },
                ],
                [
                    {"title": "Bénévoles actifs", "metric_code": "B1", "baseline": "41", "target": "60"},
                    {
                        "title": "Heures de bénévolat validées",
                        "metric_code": "B6",
                        "baseline": "2100",
                        "target": "3000",
                    },
                    {"title": "Nouveaux bénévoles dans l'année", "metric_code": "B9", "baseline": "6", "target": "15"},
                ],
            ),
        ],
    ),
]

#: (days ago, label, total, under 11, 11-25, 26-59, 60+, local event, action title)
HEADCOUNTS = [
    (12, "Café des parents", 11, 4, 0, 7, 0, False, "Café des parents"),
    (26, "Café des parents", 9, 3, 0, 6, 0, False, "Café des parents"),
    (40, "Café des parents", 14, 6, 0, 8, 0, False, "Café des parents"),
    (65, "Fête de quartier des Buers", 240, 70, 45, 95, 30, True, None),
    (95, "Sortie familles au lac du Bourget", 46, 20, 4, 22, 0, False, "Sorties familles"),
    (130, "Repas partagé des seniors", 32, 0, 0, 4, 28, False, None),
    (160, "Carnaval des Buers", 310, 120, 60, 110, 20, True, None),
    (200, "Permanence écrivain public", 18, None, None, None, None, False, None),
    (380, "Fête de quartier des Buers", 205, 60, 40, 85, 20, True, None),
    (420, "Sortie familles à la ferme", 38, 17, 2, 19, 0, False, "Sorties familles"),
    (450, "Café des parents", 8, 3, 0, 5, 0, False, "Café des parents"),
]

#: Manual figures of last year and this year: code -> (last year, this year, note)
MANUAL = {
    "U3": ("402", "418", "Adhésions individuelles et familiales à jour de cotisation"),
    "U7": ("17", "18", "Partenaires avec une action commune ou une convention"),
    "U8": ("8", "9", "Associations hébergées (convention de mise à disposition de salles)"),
    "R1_STAFF": ("14", "15", "Salariés au 31 décembre, tous contrats"),
    "R1_FTE": ("9.6", "10.2", ""),
    "R1_CDI": ("71.4", "73.3", ""),
    "R2_BUDGET": ("812400", "845000", "Budget réalisé (compte de résultat)"),
    "R2_CAF": ("298000", "305500", "Prestations de service animation globale et familles"),
}


def seed_evaluation(structure: Structure) -> int:
    """Create the demo projet social and its data if the centre has none; returns objects created."""
    if db.session.scalar(sa.select(SocialProject.id).where(SocialProject.structure_id == structure.id)):
        return 0
    today = local_today()
    project = SocialProject(
        structure_id=structure.id,
        title=PROJECT["title"],
        summary=PROJECT["summary"],
        starts_on=date(today.year - 1, 1, 1),
        ends_on=date(today.year + 2, 12, 31),
    )
    db.session.add(project)
    db.session.flush()
    themes = {t.name: t.id for t in structure.themes}
    targets = _targets(structure)
    created = 1
    actions: dict[str, Action] = {}
    for a_pos, (axis_title, axis_text, generals) in enumerate(AXES):
        axis = Axis(project_id=project.id, position=a_pos, title=axis_title, description=axis_text)
        db.session.add(axis)
        db.session.flush()
        for g_pos, (g_title, operationals, g_actions, g_indicators) in enumerate(generals):
            general = Objective(axis_id=axis.id, position=g_pos, title=g_title)
            db.session.add(general)
            db.session.flush()
            created += _fill(project, general, g_actions, g_indicators, themes, targets, actions)
            for o_pos, (o_title, o_actions, o_indicators) in enumerate(operationals):
                operational = Objective(axis_id=axis.id, parent_id=general.id, position=o_pos, title=o_title)
                db.session.add(operational)
                db.session.flush()
                created += 1 + _fill(project, operational, o_actions, o_indicators, themes, targets, actions)
    staff = db.session.scalar(sa.select(User).where(User.email == "staff@ensemble.test"))
    for days_ago, label, total, under_11, young, adults, seniors, is_event, action_title in HEADCOUNTS:
        db.session.add(
            HeadCount(
                structure_id=structure.id,
                occurred_on=today - timedelta(days=days_ago),
                label=label,
                total=total,
                under_11=under_11,
                age_11_25=young,
                age_26_59=adults,
                age_60_plus=seniors,
                is_event=is_event,
                action_id=actions[action_title].id if action_title else None,
                recorded_by_id=staff.id if staff else None,
            )
        )
        created += 1
    for code, (last_year, this_year, note) in MANUAL.items():
        for year, value in ((today.year - 1, last_year), (today.year, this_year)):
            db.session.add(
                ManualFigure(structure_id=structure.id, year=year, code=code, value=Decimal(value), note=note)
            )
            created += 1
    db.session.flush()
    return created


def _targets(structure: Structure) -> dict[tuple[LinkTarget, str], int]:
    """Ids of the demo initiatives, instances and missions, by their title or name."""
    found = {}
    for target, model, column in (
        (LinkTarget.INITIATIVE, Initiative, Initiative.title),
        (LinkTarget.INSTANCE, Instance, Instance.name),
        (LinkTarget.MISSION, Mission, Mission.title),
    ):
        for object_id, title in db.session.execute(
            sa.select(model.id, column).where(model.structure_id == structure.id)
        ):
            found.setdefault((target, title), object_id)
    return found


def _fill(project, objective, action_specs, indicator_specs, themes, targets, actions) -> int:
    created = 0
    for i_pos, spec in enumerate(indicator_specs):
        db.session.add(_indicator(project, spec, i_pos, objective_id=objective.id))
        created += 1
    for position, spec in enumerate(action_specs):
        spec = dict(spec)
        links = spec.pop("links", [])
        theme = spec.pop("theme", None)
        action = Action(objective_id=objective.id, position=position, theme_id=themes.get(theme), **spec)
        db.session.add(action)
        db.session.flush()
        actions[action.title] = action
        created += 1
        for target, title in links:
            object_id = targets.get((target, title))
            if object_id is not None:
                db.session.add(ObjectiveLink(objective_id=objective.id, target_type=target, target_id=object_id))
                created += 1
    return created


def _indicator(project, spec: dict, position: int, **where) -> Indicator:
    spec = dict(spec)
    for key in ("baseline", "target"):
        if key in spec:
            spec[key] = Decimal(spec[key])
    return Indicator(project_id=project.id, position=position, **where, **spec)
