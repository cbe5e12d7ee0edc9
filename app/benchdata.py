"""Generated data for the benchmark (architecture.md "Budgets"): the "large centre" and the
"federation" of 50 such centres, with French content and the demographics the evaluation reads.

One large centre, over the four years ending today: 5,000 habitants, 1,500 initiatives, 60,000
supports, 40 instances with 800 meetings, 3,000 volunteer shifts with 25,000 sign-ups and about
300,000 participation-ledger rows, plus what the evaluation reads (attendances, motions and voters,
validated hours, anonymous headcounts, a projet social with axes, objectives, actions, indicators).

Fast on purpose: rows are plain dicts written with SQLAlchemy Core bulk inserts in batches of
5,000, ids are allocated here (from the tables' current maximum), no ORM object and no service is
used per row. The rows are still those the services would have written: every counter equals its
rows (support_count, confirmed_count, motion counts), every counted act has its ledger row with
the demographics of the time of the act, unique constraints and the seat partial unique index hold,
no shift is over capacity, and every password is the same hash, computed once.

It never touches an existing centre: if a centre of the same name is already in the database,
`generate()` refuses before writing anything (BenchDataExists). The caller commits.
"""

import bisect
import itertools
import math
import random
import time as timer
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.accounts.models import AgeBracket, User, bracket_for_age
from app.centres.models import Membership, Quartier, Role, Structure, Theme
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
from app.initiatives.models import (
    CoLead,
    Comment,
    CommentReport,
    Follow,
    HelpOffer,
    Initiative,
    InitiativeEvent,
    RejectReason,
    Status,
    Support,
)
from app.instances.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Choice,
    EndReason,
    FollowUp,
    FollowUpStatus,
    Instance,
    InstanceRules,
    InstanceType,
    JoinPolicy,
    Majority,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Motion,
    MotionKind,
    MotionStatus,
    Nature,
    Office,
    OpenVote,
    Opinion,
    Outcome,
    QuorumBase,
    ResponseKind,
    Rsvp,
    RsvpAnswer,
    RulesSource,
    Seat,
    SeatStatus,
    Voter,
    VotingMode,
)
from app.ledger import months
from app.ledger.models import LedgerEntry, Level
from app.notifications.models import Notification
from app.volunteering.models import (
    Category,
    ContactSharing,
    EntrySource,
    EntryStatus,
    HourEntry,
    Mission,
    MissionCoordinator,
    MissionStatus,
    Presence,
    Shift,
    ShiftSeries,
    Signup,
    SignupStatus,
    ValuationMethod,
    ValuationPolicy,
    VolunteerProfile,
)

#: Password of every generated account (hashed once).
BENCH_PASSWORD = "ensemble-bench"  # noqa: S105  (generated test data, printed by the command)
BATCH = 5_000
PARIS = ZoneInfo("Europe/Paris")
CENT = Decimal("0.01")


class BenchDataExists(Exception):
    """A centre of the same name is already in the database: nothing was written."""


@dataclass(frozen=True)
class Sizes:
    """Volumes of one centre. `LARGE` is the reference "large centre" of architecture.md."""

    habitants: int = 5_000
    initiatives: int = 1_500
    supports: int = 60_000
    instances: int = 40
    meetings: int = 800
    shifts: int = 3_000
    signups: int = 25_000
    #: Ledger rows aimed at; online consultations (votes of every habitant) make up the difference.
    ledger: int = 300_000
    comments: int = 40_000
    declared_hours: int = 40_000
    help_offers: int = 3_000
    missions: int = 60
    consultations: int = 48
    headcounts: int = 700
    years: int = 4

    def scaled(self, scale: float) -> "Sizes":
        """The same centre `scale` times as big (tests use 0.01: a few thousand rows)."""
        if scale == 1:
            return self

        def s(value: int, least: int = 1) -> int:
            return max(least, round(value * scale))

        return replace(
            self,
            habitants=s(self.habitants, 40),
            initiatives=s(self.initiatives, 10),
            supports=s(self.supports, 50),
            instances=s(self.instances, 8),
            meetings=s(self.meetings, 24),
            shifts=s(self.shifts, 20),
            signups=s(self.signups, 100),
            ledger=s(self.ledger, 500),
            comments=s(self.comments, 30),
            declared_hours=s(self.declared_hours, 30),
            help_offers=s(self.help_offers, 10),
            missions=s(self.missions, 5),
            consultations=s(self.consultations, 2),
            headcounts=s(self.headcounts, 10),
        )


LARGE = Sizes()


# --- words ---------------------------------------------------------------------------------------

FIRST_F = (  # noqa: SIM905  (a word list reads better as text)
    "Aïcha Amandine Amina Anne Assia Aurélie Awa Camille Catherine Chantal Chloé Christine Claire "
    "Dalila Djamila Élise Émilie Emma Fatima Fatou Florence Françoise Hawa Hélène Inès Isabelle "
    "Jacqueline Jeanne Julie Karima Khadija Laëtitia Laura Léa Leïla Linh Lucie Malika Manon Mariam "
    "Marie Martine Mélanie Monique Nadia Nathalie Nicole Noémie Océane Rachida Sabrina Samia "
    "Sandrine Sarah Sophie Sylvie Thi Valérie Yasmina Zeynep Zoé"
).split()
FIRST_M = (  # noqa: SIM905  (a word list reads better as text)
    "Abdel Adrien Ahmed Alain Alexandre Ali Antoine Bernard Bilal Bruno Christophe Cédric Daniel "
    "David Djibril Éric Farid Fabrice François Gérard Guillaume Hamid Hugo Ibrahima Jacques Jean "
    "Jean-Marc Jérôme Julien Karim Kevin Laurent Louis Lucas Mamadou Marc Mehdi Michel Mohamed "
    "Moussa Nicolas Olivier Omar Ousmane Pascal Patrick Paul Philippe Pierre Rachid Romain Samir "
    "Sébastien Serge Stéphane Sofiane Thomas Tuan Vincent Yanis Youssef"
).split()
LAST = (  # noqa: SIM905  (a word list reads better as text)
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre "
    "Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier Dupont Lambert "
    "Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel "
    "Nicolas Perrin Morin Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin Benali "
    "Haddad Meziane Bouzid Benyahia Cherif Khelifi Mansouri Saïdi Belkacem Amrani Diallo Sow Diop "
    "Traoré Camara Keïta Ndiaye Cissé Touré Sylla Ba Nguyen Tran Pham Le Vo Yilmaz Kaya Demir Çelik "
    "Öztürk Pereira Ferreira Rodrigues Silva Santos Oliveira Costa Rossi Ricci Kowalski Nowak "
    "Popescu Ivanov Mendy Gomis Kone Bamba Ouattara Boucher Carpentier Leclerc Renaud Picard Giraud"
).split()
GENDERS = (("Femme", 54), ("Homme", 39), (None, 6), ("Non binaire", 1))
STREETS = (
    "Branly",
    "Jean-Jaurès",
    "Victor-Hugo",
    "des Lilas",
    "Pasteur",
    "Jules-Ferry",
    "de la Paix",
    "Émile-Zola",
    "des Roses",
    "Anatole-France",
    "Paul-Verlaine",
    "Louise-Michel",
    "Lamartine",
    "des Écoles",
)
RESIDENCES = ("Les Pâquerettes", "Le Ponant", "Les Cèdres", "Bellevue", "Le Parc", "Les Érables", "Le Clos-Fleuri")
SCHOOLS = ("Jean-Moulin", "Marie-Curie", "Jules-Ferry", "Condorcet", "Louis-Pergaud", "Simone-Veil")
CENTRE_NAMES = (
    "Centre social des Quatre-Vents",
    "Centre social Les Tilleuls",
    "Centre social L'Escale",
    "Centre social Le Lien",
    "Centre social La Source",
    "Centre social Les Acacias",
    "Centre social Jean-Macé",
    "Centre social Le Grand Large",
    "Maison pour tous Arc-en-ciel",
    "Centre social Les Amandiers",
    "Centre social Le Trait d'union",
    "Espace de vie sociale La Ruche",
    "Centre social Louise-Michel",
    "Centre social La Roseraie",
    "Centre social Le Phare",
)
CITIES = (
    ("Vénissieux", 69),
    ("Villeurbanne", 69),
    ("Bron", 69),
    ("Vaulx-en-Velin", 69),
    ("Saint-Priest", 69),
    ("Rillieux-la-Pape", 69),
    ("Givors", 69),
    ("Grenoble", 38),
    ("Échirolles", 38),
    ("Saint-Étienne", 42),
    ("Roanne", 42),
    ("Clermont-Ferrand", 63),
    ("Lille", 59),
    ("Roubaix", 59),
    ("Tourcoing", 59),
    ("Amiens", 80),
    ("Rouen", 76),
    ("Le Havre", 76),
    ("Caen", 14),
    ("Rennes", 35),
    ("Nantes", 44),
    ("Angers", 49),
    ("Tours", 37),
    ("Orléans", 45),
    ("Dijon", 21),
    ("Besançon", 25),
    ("Mulhouse", 68),
    ("Strasbourg", 67),
    ("Metz", 57),
    ("Nancy", 54),
    ("Reims", 51),
    ("Troyes", 10),
    ("Limoges", 87),
    ("Poitiers", 86),
    ("Bordeaux", 33),
    ("Pau", 64),
    ("Toulouse", 31),
    ("Montpellier", 34),
    ("Nîmes", 30),
    ("Avignon", 84),
    ("Marseille", 13),
    ("Toulon", 83),
    ("Nice", 6),
    ("Perpignan", 66),
    ("Brest", 29),
    ("Quimper", 29),
    ("Lorient", 56),
    ("Le Mans", 72),
    ("Montbéliard", 25),
    ("Creil", 60),
)
#: (name, is QPV, share of the habitants)
QUARTIERS = (
    ("Les Bruyères", True, 20),
    ("La Source", True, 17),
    ("Les Tilleuls", True, 14),
    ("Le Vieux Bourg", False, 12),
    ("La Gare", False, 10),
    ("Champ-Fleuri", False, 11),
    ("Le Plateau", False, 9),
    ("Les Coteaux", False, 7),
)
THEMES = (
    "Famille et parentalité",
    "Enfance et jeunesse",
    "Cadre de vie et environnement",
    "Culture et loisirs",
    "Solidarité et accès aux droits",
    "Seniors et lien social",
    "Sport et santé",
    "Numérique",
)
ACTIVITIES = (
    "Fête des voisins",
    "Jardin partagé",
    "Repair café",
    "Atelier couture",
    "Bourse aux vêtements",
    "Tournoi de foot",
    "Repas partagé",
    "Cinéma en plein air",
    "Sortie à la mer",
    "Atelier cuisine du monde",
    "Boîte à livres",
    "Nettoyage du quartier",
    "Vide-grenier",
    "Chorale",
    "Atelier vélo",
    "Goûter des enfants",
    "Troc de plantes",
    "Loto solidaire",
    "Marche santé",
    "Café des parents",
    "Soirée jeux de société",
    "Fresque murale",
    "Concert de quartier",
    "Carnaval",
    "Atelier numérique",
    "Aide aux devoirs",
    "Bal des seniors",
    "Marché de Noël",
    "Compost collectif",
    "Atelier théâtre",
    "Journal du quartier",
    "Sortie au musée",
    "Pique-nique géant",
    "Tournoi de pétanque",
    "Fête de la musique",
    "Atelier bien-être",
    "Club de lecture",
    "Potager pédagogique",
    "Atelier pâtisserie",
    "Ciné-débat",
)
PLACES = (
    "rue {street}",
    "au pied des tours de {quartier}",
    "à {quartier}",
    "de la résidence {residence}",
    "pour les enfants de {quartier}",
    "pour les seniors",
    "entre voisins",
    "au square {street}",
    "de printemps",
    "d'été",
    "de Noël",
    "intergénérationnel",
    "des familles",
    "devant l'école {school}",
)
VERBS = (
    "Organiser",
    "Proposer",
    "Mettre en place",
    "Créer",
    "Relancer",
    "Animer",
    "Lancer",
)
OBJECTS = (
    "un moment convivial",
    "un rendez-vous régulier",
    "une journée festive",
    "un atelier ouvert à tous",
    "un projet collectif",
    "une sortie en famille",
    "un espace de rencontre",
)
GOALS = (
    "pour que les voisins se rencontrent",
    "pour rompre l'isolement des personnes âgées",
    "pour occuper les jeunes pendant les vacances",
    "pour embellir le quartier",
    "pour partager nos savoir-faire",
    "pour réduire nos déchets",
    "pour que les enfants découvrent autre chose",
    "pour faire vivre la place du marché",
    "pour créer du lien entre les générations",
)
WHY = (
    "Beaucoup d'habitants nous disent qu'ils ne connaissent pas leurs voisins.",
    "Les jeunes du quartier n'ont pas grand-chose à faire le week-end.",
    "L'espace vert en bas des immeubles est peu utilisé et mal entretenu.",
    "Plusieurs familles n'ont pas pu partir en vacances cet été.",
    "Les personnes âgées de la résidence sortent de moins en moins.",
    "Nous avons déjà essayé l'an dernier et cela a très bien marché.",
    "L'école et l'amicale des locataires sont partantes pour nous aider.",
)
HOW = (
    "Nous avons besoin de tables, de chaises et d'une sono.",
    "Chacun apporte un plat à partager ; le centre prête la salle.",
    "Une réunion de préparation aura lieu un mois avant.",
    "Nous ferons une affiche et passerons dans les halls d'immeubles.",
    "Le budget demandé couvre le matériel et les assurances.",
    "Les enfants du centre de loisirs préparent la décoration.",
    "Des bénévoles se relaieront toute la journée.",
)
PUBLICS = (
    "Tous les habitants",
    "Familles du quartier",
    "Enfants de 6 à 11 ans",
    "Jeunes de 11 à 17 ans",
    "Seniors",
    "Locataires de la résidence",
    "Parents d'élèves",
)
WHEN = (
    "un samedi de juin",
    "pendant les vacances de printemps",
    "tous les mercredis après-midi",
    "le premier dimanche du mois",
    "à la rentrée",
    "avant les fêtes de fin d'année",
    "en juillet",
    "un soir de semaine",
)
MATERIALS = ("", "Tables et chaises", "Barnum et sono", "Outils de jardinage", "Machines à coudre", "Vidéoprojecteur")
COMMENTS = (
    "Super idée, je viens avec mes enfants !",
    "Je peux prêter des tables et des chaises.",
    "Quelle date est prévue ?",
    "Bravo pour l'initiative.",
    "Je suis partante pour aider à l'installation.",
    "Est-ce que ce sera accessible aux personnes en fauteuil ?",
    "On pourrait le faire aussi du côté de la gare.",
    "Mon fils joue de la guitare, il peut venir.",
    "Il faudrait prévenir le bailleur.",
    "J'ai des graines à donner pour le jardin.",
    "Merci, c'est exactement ce qui manquait au quartier.",
    "Attention au bruit le soir pour les voisins.",
    "Je peux faire une affiche en arabe et en turc.",
    "La dernière fois, il y avait beaucoup de monde, c'était très bien.",
    "Est-ce que les enfants doivent être accompagnés ?",
    "Je peux apporter un gâteau.",
    "Pourquoi pas un samedi plutôt qu'un dimanche ?",
    "Je connais un musicien qui pourrait jouer.",
)
REPLIES = (
    "Merci ! On en parle à la prochaine réunion.",
    "Oui, tout sera de plain-pied.",
    "Bonne idée, je note.",
    "La date sera fixée avec le centre la semaine prochaine.",
    "Avec plaisir, passez à l'accueil pour vous inscrire.",
)
HELP_MESSAGES = (
    "",
    "Je suis disponible le samedi.",
    "Je peux faire la cuisine.",
    "J'ai une voiture pour transporter le matériel.",
    "Je peux tenir un stand.",
)
DECISION_TEXTS = {
    Status.ACCEPTED: "Le comité soutient le projet et accorde l'aide demandée.",
    Status.ACCEPTED_WITH_CONDITIONS: "Accord sous réserve d'un devis complémentaire et de l'accord du bailleur.",
    Status.DECLINED: "Le comité ne peut pas financer ce projet cette année : l'enveloppe est épuisée.",
    Status.POSTPONED: "Le comité demande de préciser le budget et réexaminera le projet.",
}
BILANS = (
    "Belle réussite : beaucoup de familles sont venues et ont demandé à recommencer.",
    "Moins de monde que prévu à cause de la pluie, mais une belle ambiance.",
    "Le projet a permis à de nouveaux habitants de rejoindre le collectif.",
    "Les dépenses sont restées dans le budget ; les factures sont à l'accueil.",
)
AGENDA = (
    "Approbation du compte rendu précédent",
    "Point financier",
    "Bilan des activités du trimestre",
    "Projets d'habitants",
    "Préparation de la fête de quartier",
    "Programme des vacances",
    "Retours du comité d'usagers",
    "Travaux dans les locaux",
    "Questions diverses",
    "Point sur le bénévolat",
    "Évaluation du projet social",
)
DECISIONS = (
    "Adopter le budget prévisionnel",
    "Approuver le rapport d'activité",
    "Valider le programme des vacances",
    "Autoriser l'achat d'un minibus",
    "Renouveler la convention avec la Ville",
    "Valider les tarifs de la rentrée",
    "Adopter le règlement intérieur modifié",
    "Approuver les comptes de l'exercice",
)
OPINIONS = (
    "Avis sur les horaires d'ouverture de l'accueil",
    "Avis sur le programme des sorties familles",
    "Avis sur l'aménagement de la cour",
    "Avis sur les tarifs des activités",
    "Proposition de créer un atelier numérique",
    "Avis sur la communication du centre",
)
CONSULTATIONS = (
    "Quels horaires pour l'accueil du samedi ?",
    "Quel thème pour la fête de quartier ?",
    "Faut-il ouvrir le jardin partagé le dimanche ?",
    "Quelle sortie familles cet été ?",
    "Faut-il un atelier numérique le soir ?",
    "Quel nom pour le nouveau café des habitants ?",
    "Faut-il piétonniser la place du marché le samedi ?",
    "Quelles activités pour les 11-17 ans ?",
)
MINUTES_BODY = (
    "## Présents\n\nVoir la feuille de présence.\n\n## Décisions\n\n"
    "Les points à l'ordre du jour ont été discutés ; les décisions figurent ci-dessous.\n\n"
    "## Suite à donner\n\nL'équipe transmet le compte rendu aux membres."
)
FOLLOW_UPS = (
    "Demander des devis à trois fournisseurs",
    "Écrire à la mairie",
    "Préparer l'affiche",
    "Réserver la salle polyvalente",
    "Informer les habitants par le journal du quartier",
)
MEETING_PLACES = ("Salle polyvalente", "Salle du conseil", "Grande salle du centre", "Salle Nelson-Mandela")
HOUR_TASKS = (
    "Préparation de la réunion",
    "Accueil des familles",
    "Rangement du matériel",
    "Courses pour l'atelier",
    "Permanence à l'accueil",
    "Tutorat d'un nouveau bénévole",
    "Préparation de la fête",
    "Rédaction du journal du quartier",
)
SKILLS = ("cuisine", "bricolage", "couture", "informatique", "jardinage", "langues", "musique", "comptabilité")
#: (title, category, activity, skill based, local start hour, hours, capacity range, weekly)
MISSIONS = (
    ("Accompagnement à la scolarité (primaire)", Category.ACTIVITY, "Aide aux devoirs", False, 16, 2.0, (4, 10), True),
    ("Accompagnement à la scolarité (collège)", Category.ACTIVITY, "Aide aux devoirs", True, 17, 1.5, (3, 8), True),
    ("Ateliers sociolinguistiques", Category.ACTIVITY, "Français langue étrangère", True, 9, 2.0, (2, 5), True),
    ("Épicerie solidaire : accueil et caisse", Category.ACTIVITY, "Épicerie solidaire", False, 14, 3.0, (3, 6), True),
    ("Épicerie solidaire : livraisons", Category.ACTIVITY, "Épicerie solidaire", False, 8, 2.5, (2, 5), True),
    ("Repair café", Category.ACTIVITY, "Repair café", True, 14, 3.5, (4, 10), True),
    ("Atelier couture", Category.ACTIVITY, "Couture", True, 14, 2.5, (2, 5), True),
    ("Café des habitants", Category.ACTIVITY, "Accueil", False, 9, 2.0, (2, 4), True),
    ("Jardin partagé : arrosage et entretien", Category.ACTIVITY, "Jardin partagé", False, 18, 1.5, (3, 8), True),
    ("Atelier informatique des seniors", Category.ACTIVITY, "Numérique", True, 10, 2.0, (2, 4), True),
    ("Permanence écrivain public", Category.ACTIVITY, "Accès aux droits", True, 14, 3.0, (1, 3), True),
    ("Ludothèque : accueil des familles", Category.ACTIVITY, "Ludothèque", False, 15, 2.5, (2, 6), True),
    ("Visites de convivialité", Category.ACTIVITY, "Seniors", False, 15, 2.0, (3, 8), True),
    ("Atelier vélo", Category.ACTIVITY, "Mobilité", True, 10, 3.0, (2, 6), True),
    ("Bibliothèque de rue", Category.ACTIVITY, "Lecture", False, 16, 2.0, (2, 6), True),
    ("Distribution des paniers", Category.ACTIVITY, "Alimentation", False, 17, 2.0, (4, 10), True),
    ("Friperie solidaire", Category.ACTIVITY, "Friperie", False, 14, 3.0, (2, 6), True),
    ("Club de marche", Category.ACTIVITY, "Santé", False, 9, 2.0, (1, 3), True),
    ("Sorties familles : accompagnement", Category.ACTIVITY, "Familles", False, 9, 8.0, (3, 8), False),
    ("Fête de quartier : buvette", Category.EVENT, "Fête de quartier", False, 14, 4.0, (6, 15), False),
    ("Fête de quartier : installation", Category.EVENT, "Fête de quartier", False, 9, 3.0, (6, 15), False),
    ("Carnaval : sécurité du défilé", Category.EVENT, "Carnaval", False, 14, 3.0, (8, 15), False),
    ("Vide-grenier : accueil des exposants", Category.EVENT, "Vide-grenier", False, 7, 4.0, (5, 12), False),
    ("Marché de Noël : stand du centre", Category.EVENT, "Marché de Noël", False, 10, 4.0, (4, 10), False),
    ("Repas des seniors : service", Category.EVENT, "Seniors", False, 11, 4.0, (6, 12), False),
    ("Loto solidaire : tenue des tables", Category.EVENT, "Loto", False, 14, 4.0, (5, 10), False),
    ("Tutorat des nouveaux bénévoles", Category.SUPERVISION, "Bénévolat", False, 18, 1.5, (1, 3), True),
    (
        "Coordination de l'équipe de l'épicerie",
        Category.SUPERVISION,
        "Épicerie solidaire",
        False,
        13,
        1.0,
        (1, 2),
        True,
    ),
)
HEADCOUNT_LABELS = (
    ("Café des parents", False, (8, 16), (0.35, 0.0, 0.65, 0.0)),
    ("Fête de quartier", True, (150, 350), (0.3, 0.2, 0.4, 0.1)),
    ("Sortie familles", False, (25, 55), (0.45, 0.05, 0.5, 0.0)),
    ("Repas partagé des seniors", False, (20, 40), (0.0, 0.0, 0.1, 0.9)),
    ("Carnaval", True, (200, 400), (0.4, 0.2, 0.35, 0.05)),
    ("Permanence écrivain public", False, (8, 22), None),
    ("Ciné-débat", True, (30, 90), (0.1, 0.3, 0.4, 0.2)),
    ("Accueil de loisirs", False, (20, 48), (0.8, 0.2, 0.0, 0.0)),
)
AXES = (
    (
        "Favoriser la participation des habitants et leur pouvoir d'agir",
        (
            "Faire des habitants les acteurs du centre social",
            "Soutenir les initiatives d'habitants",
        ),
    ),
    (
        "Soutenir les familles et la parentalité",
        ("Rompre l'isolement des parents", "Accompagner la scolarité des enfants"),
    ),
    (
        "Développer la solidarité de proximité",
        ("Lutter contre l'isolement des seniors", "Faciliter l'accès aux droits"),
    ),
    (
        "Améliorer le cadre de vie avec les habitants",
        ("Embellir les espaces communs", "Réduire les déchets et partager les ressources"),
    ),
)
OPERATIONALS = (
    "Augmenter le nombre d'habitants dans les instances",
    "Accueillir et former de nouveaux bénévoles",
    "Aller vers les habitants qui ne viennent pas au centre",
    "Donner une réponse rapide aux projets d'habitants",
    "Associer les jeunes aux décisions",
    "Créer des temps d'échange entre parents",
)
ACTIONS = (
    "Comité d'usagers trimestriel",
    "Fonds de participation des habitants",
    "Café des parents",
    "Accompagnement à la scolarité",
    "Visites de convivialité",
    "Permanences d'accès aux droits",
    "Jardin partagé",
    "Repair café",
    "Fête de quartier",
    "Sorties familles",
    "Chantiers jeunes",
    "Ateliers numériques",
)
#: Scalar metrics of domain.md §9 an indicator can follow.
INDICATOR_METRICS = ("B1", "B2", "B3", "B6", "B9", "B12", "P1", "P2", "P3", "P4", "P7", "I1", "I2", "I4", "U1", "U6")
INDICATOR_TITLES = {
    "B1": "Bénévoles actifs",
    "B2": "Bénévoles d'activité",
    "B3": "Bénévoles de gouvernance",
    "B6": "Heures de bénévolat",
    "B9": "Nouveaux bénévoles",
    "B12": "Jeunes bénévoles",
    "P1": "Instances actives",
    "P2": "Réunions tenues",
    "P3": "Habitants dans les instances",
    "P4": "Taux de présence aux réunions",
    "P7": "Avis suivis d'une réponse",
    "I1": "Initiatives proposées",
    "I2": "Initiatives soutenues",
    "I4": "Délai de décision (jours)",
    "U1": "Personnes touchées",
    "U6": "Part des habitants des QPV",
}


# --- time and ids --------------------------------------------------------------------------------


def _utc_offset(day: date) -> timedelta:
    return datetime.combine(day, time(12)).replace(tzinfo=PARIS).utcoffset() or timedelta(0)


class _Clock:
    """Days of the four years ending today, weighted (activity grows, summer and Sundays are quiet)."""

    def __init__(self, rng: random.Random, today: date, years: int):
        self.rng = rng
        self.today = today
        self.now = datetime.now(UTC).replace(tzinfo=None)
        try:
            self.start = today.replace(year=today.year - years)
        except ValueError:  # 29 February
            self.start = today.replace(year=today.year - years, day=28)
        self.days = [self.start + timedelta(days=i) for i in range((today - self.start).days + 1)]
        weights = []
        n = len(self.days)
        for i, day in enumerate(self.days):
            w = 0.6 + 0.8 * i / n
            if day.month == 8:
                w *= 0.35
            elif day.month == 7 or (day.month == 12 and day.day >= 20):
                w *= 0.65
            if day.weekday() == 6:
                w *= 0.4
            elif day.weekday() == 5:
                w *= 0.8
            weights.append(w)
        self.cum = list(itertools.accumulate(weights))
        self._offsets: dict[date, timedelta] = {}

    def index(self, day: date) -> int:
        return min(max((day - self.start).days, 0), len(self.days) - 1)

    def day(self, lo: date | None = None, hi: date | None = None) -> date:
        """A weighted day in [lo, hi] (both within the window)."""
        a = self.index(lo) if lo else 0
        b = self.index(hi) if hi else len(self.days) - 1
        if b < a:
            b = a
        low = self.cum[a - 1] if a else 0.0
        u = low + self.rng.random() * (self.cum[b] - low)
        return self.days[min(bisect.bisect_left(self.cum, u, a, b + 1), b)]

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A local wall-clock time as the naive UTC the database stores."""
        offset = self._offsets.get(day)
        if offset is None:
            offset = self._offsets[day] = _utc_offset(day)
        return datetime.combine(day, time(hour, minute)) - offset

    def moment(self, lo: datetime | None = None, hi: datetime | None = None) -> datetime:
        """A weighted daytime moment in [lo, hi], never after now."""
        hi = min(hi or self.now, self.now)
        lo = lo or datetime.combine(self.start, time(6))
        if hi <= lo:
            return hi
        day = self.day(max(lo.date(), self.start), hi.date())
        when = self.at(day, self.rng.randint(7, 21), self.rng.randint(0, 59))
        if when < lo or when > hi:
            when = lo + (hi - lo) * self.rng.random()
        return when

    def local_date(self, value: datetime) -> date:
        return (value + _utc_offset(value.date())).date()


class _Ids:
    """Ids handed out here, from each table's current maximum (nothing else writes meanwhile)."""

    def __init__(self):
        self._next: dict[str, int] = {}

    def take(self, model) -> int:
        table = model.__table__
        if table.name not in self._next:
            self._next[table.name] = (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
        value = self._next[table.name]
        self._next[table.name] = value + 1
        return value


class _Writer:
    """Buffers rows per table and inserts them in batches, parents always before children."""

    def __init__(self):
        self.order = {table.name: i for i, table in enumerate(db.metadata.sorted_tables)}
        self.tables = {table.name: table for table in db.metadata.sorted_tables}
        self.buffers: dict[str, list[dict]] = {}
        self.counts: Counter = Counter()

    def add(self, model, row: dict) -> None:
        name = model.__table__.name
        buffer = self.buffers.setdefault(name, [])
        buffer.append(row)
        if len(buffer) >= BATCH:
            self.flush(upto=name)

    def flush(self, upto: str | None = None) -> None:
        """Insert every buffered row of `upto` and of the tables it may depend on (all by default)."""
        limit = self.order[upto] if upto else len(self.order)
        for name in sorted(self.buffers, key=self.order.__getitem__):
            if self.order[name] > limit:
                continue
            rows = self.buffers[name]
            if rows:
                db.session.execute(sa.insert(self.tables[name]), rows)
                self.counts[name] += len(rows)
                self.buffers[name] = []


# --- people ---------------------------------------------------------------------------------------


class _Person:
    __slots__ = (
        "id",
        "role",
        "birth_year",
        "bracket",
        "gender",
        "quartier_id",
        "in_qpv",
        "joined",
        "weight",
        "gone",
        "staff",
        "name",
    )

    def __init__(self, **values):
        for key in self.__slots__:
            setattr(self, key, values.get(key))


def _slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch if ch.isalnum() else "." for ch in ascii_text).strip(".").replace("..", ".")


def _search_key(*parts: str) -> str:
    decomposed = unicodedata.normalize("NFKD", " ".join(p for p in parts if p).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _hours(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


#: SMIC horaire brut by date of effect: the centres' valuation policies follow it.
SMIC = (
    (date(2022, 8, 1), Decimal("11.07")),
    (date(2023, 1, 1), Decimal("11.27")),
    (date(2023, 5, 1), Decimal("11.52")),
    (date(2024, 1, 1), Decimal("11.65")),
    (date(2024, 11, 1), Decimal("11.88")),
    (date(2026, 1, 1), Decimal("12.02")),
)


@dataclass
class Report:
    """What `generate()` wrote: rows per table, seconds per step, the accounts to log in with."""

    centres: list[str] = field(default_factory=list)
    rows: Counter = field(default_factory=Counter)
    ledger_kinds: Counter = field(default_factory=Counter)
    timings: dict[str, float] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


# --- one centre -----------------------------------------------------------------------------------


class _Centre:
    """Writes one centre; `run()` goes feature by feature, each step after what it refers to."""

    def __init__(self, number, name, city, dept, sizes, rng, clock, ids, writer, password_hash, usernames, report):
        self.number, self.name, self.city, self.dept = number, name, city, dept
        self.sizes, self.rng, self.clock, self.ids, self.w = sizes, rng, clock, ids, writer
        self.password_hash, self.usernames, self.report = password_hash, usernames, report
        self.people: dict[int, _Person] = {}
        self.ledger_count = 0

    # - helpers -

    def ledger(self, pid, kind, level, otype, oid, when, *, hours=None, by=None, as_staff=None) -> None:
        """One ledger row, with the demographics of the person at the time of the act."""
        p = self.people[pid]
        age = when.year - p.birth_year if p.birth_year else None
        bracket = bracket_for_age(age).value if age is not None else p.bracket
        self.w.add(
            LedgerEntry,
            {
                "id": self.ids.take(LedgerEntry),
                "structure_id": self.structure_id,
                "person_id": pid,
                "kind": kind,
                "level": int(level),
                "object_type": otype,
                "object_id": oid,
                "occurred_at": when,
                "hours": hours,
                "recorded_by_id": by if by is not None and by != pid else None,
                "as_staff": p.staff if as_staff is None else as_staff,
                "age_at_act": age,
                "age_bracket": bracket,
                "quartier_id": p.quartier_id,
                "in_qpv": p.in_qpv,
                "gender": p.gender,
                "created_at": when,
            },
        )
        self.ledger_count += 1
        self.report.ledger_kinds[kind] += 1

    def pick(self, when: datetime) -> int:
        """A habitant who had joined by `when` and was still there, the engaged ones more often."""
        k = bisect.bisect_right(self.joined_at, when)
        k = max(k, 1)
        total = self.cum_weight[k - 1]
        for _attempt in range(20):
            i = bisect.bisect_left(self.cum_weight, self.rng.random() * total, 0, k)
            person = self.habitants[min(i, k - 1)]
            if person.gone is None or when < person.gone:
                return person.id
        return self.habitants[0].id

    def pick_distinct(self, when: datetime, count: int, exclude: Iterable[int] = ()) -> list[int]:
        chosen: dict[int, None] = dict.fromkeys(exclude)
        start = len(chosen)
        available = bisect.bisect_right(self.joined_at, when)
        count = min(count, max(available - start - 2, 0))
        tries = 0
        while len(chosen) - start < count and tries < count * 6 + 20:
            chosen.setdefault(self.pick(when))
            tries += 1
        return list(chosen)[start:]

    def _there(self, pid: int, when: datetime) -> bool:
        """The person had joined and had not left by `when`."""
        person = self.people[pid]
        return person.joined < when and (person.gone is None or when < person.gone)

    def staff_id(self) -> int:
        return self.rng.choice(self.staff_ids)

    def step(self, label: str, fn: Callable[[], None]) -> None:
        started = timer.perf_counter()
        fn()
        self.w.flush()
        elapsed = timer.perf_counter() - started
        key = f"{label}"
        self.report.timings[key] = self.report.timings.get(key, 0.0) + elapsed

    def run(self) -> None:
        self.step("centre, quartiers, comptes", self.make_structure_and_people)
        self.step("calendrier des instances", self.plan_meetings)
        self.step("initiatives, soutiens, commentaires", self.make_initiatives)
        self.step("instances, réunions, votes", self.make_instances)
        self.step("bénévolat, créneaux, heures", self.make_volunteering)
        self.step("heures déclarées", self.make_declared_hours)
        self.step("consultations en ligne", self.make_consultations)
        self.step("projet social, comptages, notifications", self.make_evaluation)

    # - structure and people -

    def make_structure_and_people(self) -> None:
        rng, clock = self.rng, self.clock
        self.structure_id = self.ids.take(Structure)
        self.w.add(
            Structure,
            {
                "id": self.structure_id,
                "name": self.name,
                "structure_type": "cs" if not self.name.startswith("Espace") else "evs",
                "city": self.city,
                "welcome": (
                    f"Bienvenue au {self.name} ! Proposez vos projets, donnez votre avis dans les instances "
                    "et donnez un coup de main quand vous le pouvez."
                ),
                "contact_email": f"accueil{self.number}@centre.test",
                "contact_phone": f"04 72 {self.number % 100:02d} 00 00",
                "is_active": True,
                "support_threshold": 10,
                "premoderation": True,
                "created_at": clock.at(clock.start, 9) - timedelta(days=400),
            },
        )
        self.quartiers = []
        for n, (qname, qpv, share) in enumerate(QUARTIERS, start=1):
            qid = self.ids.take(Quartier)
            self.quartiers.append((qid, qpv, share, qname))
            self.w.add(
                Quartier,
                {
                    "id": qid,
                    "structure_id": self.structure_id,
                    "name": qname,
                    "is_qpv": qpv,
                    "qpv_code": f"QN{self.dept:03d}{self.number % 100:02d}{n}M" if qpv else None,
                    "qpv_list_version": "2024" if qpv else None,
                    "is_active": True,
                },
            )
        self.themes = []
        for tname in THEMES:
            tid = self.ids.take(Theme)
            self.themes.append(tid)
            self.w.add(Theme, {"id": tid, "structure_id": self.structure_id, "name": tname, "is_active": True})

        before = clock.at(clock.start, 10) - timedelta(days=900)
        self.staff_ids: list[int] = []
        staff_specs = [
            ("direction", Role.ADMIN, "Directrice"),
            ("staff", Role.STAFF, "Animatrice"),
            ("accueil", Role.STAFF, "Chargée d'accueil"),
            ("famille", Role.STAFF, "Référente famille"),
            ("jeunesse", Role.STAFF, "Animateur jeunesse"),
            ("seniors", Role.STAFF, "Animatrice seniors"),
            ("benevolat", Role.STAFF, "Coordinatrice du bénévolat"),
            ("adultes", Role.STAFF, "Animateur adultes"),
        ]
        for login, role, job in staff_specs:
            username = f"{login}.c{self.number}"
            pid = self._user(
                username=username,
                name=self._name(rng.random() < 0.7),
                email=f"{login}{self.number}@bench.test",
                birth_year=rng.randint(1965, 1996),
                role=role,
                job=job,
                joined=before + timedelta(days=rng.randint(0, 300)),
                staff=True,
            )
            self.staff_ids.append(pid)
            if login in ("direction", "staff"):
                self.report.logins.append((username, f"{job}, {self.name}"))
        self.direction_id = self.staff_ids[0]
        # Test accounts: left out of every figure, but they act like anyone.
        self.test_ids = [
            self._user(
                username=f"test{n}.c{self.number}",
                name=f"Compte test {n}",
                email=f"test{n}.c{self.number}@bench.test",
                birth_year=1990,
                role=Role.HABITANT,
                joined=before,
                is_test=True,
            )
            for n in (1, 2, 3)
        ]
        # Habitants, sorted by arrival so that `pick(when)` only draws people already there.
        arrivals = sorted(
            (
                before + timedelta(days=rng.randint(0, 899), minutes=rng.randint(0, 1439))
                if rng.random() < 0.35
                else clock.at(clock.day(), rng.randint(8, 20), rng.randint(0, 59))
            )
            for _ in range(self.sizes.habitants)
        )
        self.habitants: list[_Person] = []
        n_blocked = max(1, self.sizes.habitants // 600)
        n_gone = max(1, self.sizes.habitants // 350)
        leaving = set(rng.sample(range(len(arrivals) // 2), min(n_blocked + n_gone, len(arrivals) // 2)))
        blocked = set(list(leaving)[:n_blocked])
        coordinators = set(rng.sample(range(len(arrivals) // 3), min(6, len(arrivals) // 3)))
        for i, joined in enumerate(arrivals):
            gone = None
            if i in leaving:
                gone = clock.at(clock.day(clock.today - timedelta(days=150), clock.today), 10)
            person = self._habitant(
                joined,
                role=Role.COORDINATOR if i in coordinators else Role.HABITANT,
                blocked=i in blocked,
                anonymised=i in leaving and i not in blocked,
                gone=gone,
            )
            self.habitants.append(person)
        self.joined_at = [p.joined for p in self.habitants]
        self.cum_weight = list(itertools.accumulate(p.weight for p in self.habitants))
        self.coordinator_ids = [self.habitants[i].id for i in sorted(coordinators)]
        # Partners sitting ex officio in the CA (Ville, Caf): members, never counted there.
        self.partner_ids = [
            self._user(
                username=f"{who}.c{self.number}",
                name=f"{label} ({self._name(rng.random() < 0.5)})",
                email=f"{who}{self.number}@partenaire.test",
                birth_year=rng.randint(1960, 1985),
                role=Role.HABITANT,
                joined=before,
            )
            for who, label in (("ville", "Ville"), ("caf", "Caf"))
        ]
        self._valuation_policy()

    def _name(self, female: bool) -> str:
        first = self.rng.choice(FIRST_F if female else FIRST_M)
        return f"{first} {self.rng.choice(LAST)}"

    def _username(self, name: str) -> str:
        base = _slug(name)[:30]
        while True:
            candidate = f"{base}.{self.rng.randint(1000, 99999)}"
            if candidate not in self.usernames:
                self.usernames.add(candidate)
                return candidate

    def _user(self, *, username, name, email, birth_year, role, joined, job=None, staff=False, is_test=False) -> int:
        pid = self.ids.take(User)
        quartier = self.quartiers[self.rng.randrange(len(self.quartiers))]
        gender = self.rng.choice(("Femme", "Homme"))
        self.usernames.add(username)
        self._write_user(
            pid,
            display_name=name,
            username=username,
            email=email,
            phone=None,
            password_hash=self.password_hash,
            birth_year=birth_year,
            age_bracket=None,
            gender=gender,
            created_via="seed",
            joined=joined,
            is_test=is_test,
        )
        self._write_membership(pid, role, job, quartier[0], joined)
        self.people[pid] = _Person(
            id=pid,
            role=role,
            birth_year=birth_year,
            gender=gender,
            quartier_id=quartier[0],
            in_qpv=quartier[1],
            joined=joined,
            weight=1.0,
            staff=staff,
            name=name,
        )
        return pid

    def _habitant(self, joined: datetime, *, role: Role, blocked: bool, anonymised: bool, gone) -> _Person:
        rng, clock = self.rng, self.clock
        pid = self.ids.take(User)
        gender = _weighted(rng, GENDERS)
        name = self._name(gender == "Femme" or (gender is None and rng.random() < 0.5))
        r = rng.random()
        age_now = (
            rng.randint(11, 17)
            if r < 0.07
            else rng.randint(18, 25)
            if r < 0.20
            else rng.randint(26, 59)
            if r < 0.72
            else rng.randint(60, 74)
            if r < 0.92
            else rng.randint(75, 92)
        )
        birth_year, bracket = clock.today.year - age_now, None
        if rng.random() < 0.08:
            birth_year = None
            bracket = bracket_for_age(age_now).value if rng.random() < 0.6 else None
        q = _weighted(rng, [((qid, qpv), share) for qid, qpv, share, _n in self.quartiers] + [((None, None), 4)])
        weight = min(rng.paretovariate(1.5), 40.0)
        if age_now < 18:
            weight *= 0.5
        has_email = rng.random() < 0.72
        assisted = not has_email and rng.random() < 0.6
        username = self._username(name)
        self._write_user(
            pid,
            display_name="Compte supprimé" if anonymised else name,
            username=f"supprime-{pid}" if anonymised else username,
            email=None if anonymised or not has_email else f"{username}@courriel.test",
            phone=None if anonymised or rng.random() < 0.4 else f"06{rng.randint(10_000_000, 99_999_999)}",
            password_hash=None if anonymised else self.password_hash,
            birth_year=None if anonymised else birth_year,
            age_bracket=None if anonymised else bracket,
            gender=None if anonymised else gender,
            created_via="assisted" if assisted else ("import" if rng.random() < 0.05 else "self"),
            created_by_id=self.staff_ids[2] if assisted else None,
            joined=joined,
            is_blocked=blocked,
            anonymised_at=gone if anonymised else None,
            guardian=age_now < 15,
        )
        if not anonymised:
            self._write_membership(pid, role, None, q[0], joined)
        person = _Person(
            id=pid,
            role=role,
            birth_year=birth_year,
            bracket=bracket,
            gender=gender,
            quartier_id=q[0],
            in_qpv=q[1],
            joined=joined,
            weight=weight,
            gone=gone,
            staff=False,
            name=name,
        )
        self.people[pid] = person
        return person

    def _write_user(self, pid, *, joined, is_test=False, is_blocked=False, anonymised_at=None, guardian=False, **f):
        self.w.add(
            User,
            {
                "id": pid,
                "display_name": f["display_name"],
                "username": f["username"],
                "email": f["email"],
                "email_confirmed_at": joined if f["email"] else None,
                "phone": f["phone"],
                "password_hash": f["password_hash"],
                "must_set_password": False,
                "birth_year": f["birth_year"],
                "age_bracket": f["age_bracket"],
                "gender": f["gender"],
                "locale": "fr",
                "guardian_name": "Parent (consentement conjoint)" if guardian else None,
                "guardian_consent_at": joined if guardian else None,
                "is_platform_admin": False,
                "is_test": is_test,
                "is_blocked": is_blocked,
                "created_via": f["created_via"],
                "created_by_id": f.get("created_by_id"),
                "created_at": joined,
                "last_login_at": None if anonymised_at else self.clock.moment(joined),
                "anonymised_at": anonymised_at,
            },
        )

    def _write_membership(self, pid, role, job, quartier_id, joined) -> None:
        self.w.add(
            Membership,
            {
                "id": self.ids.take(Membership),
                "user_id": pid,
                "structure_id": self.structure_id,
                "role": int(role),
                "job_title": job,
                "quartier_id": quartier_id,
                "joined_at": joined,
            },
        )

    # - meetings calendar (before initiatives: the FPH committee decides on them) -

    def plan_meetings(self) -> None:
        rng, clock, sizes = self.rng, self.clock, self.sizes
        specs = _instance_specs(sizes.instances, rng, max_seats=max(3, sizes.habitants // 4))
        horizon = clock.today + timedelta(days=75)
        weights = [s["per_year"] for s in specs]
        total_weight = sum(weights)
        self.instance_specs = specs
        for spec in specs:
            spec["id"] = self.ids.take(Instance)
            n = max(2, round(sizes.meetings * spec["per_year"] / total_weight))
            if spec["core"]:
                first = clock.start + timedelta(days=rng.randint(0, 30))
            else:
                first = clock.start + timedelta(days=rng.randint(0, len(clock.days) // 2))
            spec["created"] = clock.at(first - timedelta(days=rng.randint(10, 60)), 10)
            span = (horizon - first).days
            dates = []
            for k in range(n):
                d = first + timedelta(days=int(span * (k + rng.random() * 0.6) / n))
                if spec["type"] == InstanceType.GENERAL_ASSEMBLY:
                    d = date(d.year, 6, 1) + timedelta(days=(5 - date(d.year, 6, 1).weekday()) % 7 + 7)
                elif d.month == 8:
                    d += timedelta(days=21)
                dates.append(d)
            spec["dates"] = sorted(set(dates))
        self.fph = next(s for s in specs if s["type"] == InstanceType.GRANT_COMMITTEE)
        self.fph_dates = [d for d in self.fph["dates"] if d < clock.today]

    # - initiatives -

    def make_initiatives(self) -> None:
        rng, clock, sizes = self.rng, self.clock, self.sizes
        now = clock.now
        self.initiatives = []  # (id, status, published_at, closes_at, author, weight)
        self.decided_at_fph: dict[date, list[tuple[int, Status]]] = {}
        for _n in range(sizes.initiatives):
            iid = self.ids.take(Initiative)
            created = clock.moment()
            author = self.pick(created)
            age = (now - created).days
            status = self._initiative_status(age)
            submitted = published = decided = None
            events = [(None, Status.DRAFT, created, author, None, "")]
            if status != Status.DRAFT:
                submitted = min(created + timedelta(hours=rng.randint(1, 72)), now)
                events.append((Status.DRAFT, Status.SUBMITTED, submitted, author, None, ""))
            if status in (Status.CHANGES_REQUESTED, Status.REJECTED):
                at = min(submitted + timedelta(hours=rng.randint(4, 96)), now)
                reason = rng.choice(list(RejectReason)).value if status == Status.REJECTED else None
                message = "Merci de préciser le budget et la date." if reason is None else "Hors du champ du centre."
                events.append((Status.SUBMITTED, status, at, self.staff_id(), reason, message))
            if status.is_public:
                published = min(submitted + timedelta(hours=rng.randint(2, 120)), now)
                events.append((Status.SUBMITTED, Status.OPEN, published, self.staff_id(), None, ""))
            decision = None
            if (
                status.is_public
                and status not in (Status.OPEN, Status.ABANDONED)
                or (status == Status.ABANDONED and rng.random() < 0.5)
            ):
                i = bisect.bisect_left(self.fph_dates, (published + timedelta(days=25)).date())
                if i < len(self.fph_dates):
                    fph_day = self.fph_dates[i]
                    decided = clock.at(fph_day, 19, 30)
                    decision = _decision_for(status, rng)
                    self.decided_at_fph.setdefault(fph_day, []).append((iid, decision))
                    events.append((Status.OPEN, decision, decided, self.direction_id, None, DECISION_TEXTS[decision]))
                    after = decided
                    if status in (Status.IN_PROGRESS, Status.COMPLETED):
                        after = min(decided + timedelta(days=rng.randint(7, 60)), now)
                        events.append((decision, Status.IN_PROGRESS, after, author, None, ""))
                    if status == Status.COMPLETED:
                        after = min(after + timedelta(days=rng.randint(10, 120)), now)
                        events.append((Status.IN_PROGRESS, Status.COMPLETED, after, author, None, ""))
                    if status == Status.ABANDONED:
                        after = min(after + timedelta(days=rng.randint(10, 120)), now)
                        events.append((decision, Status.ABANDONED, after, author, None, "Le collectif s'est dissous."))
                elif status != Status.ABANDONED:
                    status = Status.OPEN
            if status == Status.ABANDONED and decided is None:
                at = min(published + timedelta(days=rng.randint(20, 200)), now)
                events.append(
                    (Status.OPEN, Status.ABANDONED, at, author, None, "Nous n'avons pas trouvé assez d'aide.")
                )
            support_end = decided or (events[-1][2] if status == Status.ABANDONED else now)
            self._write_initiative(iid, status, author, created, submitted, published, decided, decision, events)
            weight = rng.paretovariate(1.2)
            self.initiatives.append((iid, status, published, support_end, author, weight))
        self.w.flush()
        self._supports_follows_help()
        self._comments()

    def _initiative_status(self, age_days: int) -> Status:
        rng = self.rng
        if age_days < 20:
            table = ((Status.DRAFT, 25), (Status.SUBMITTED, 25), (Status.CHANGES_REQUESTED, 5), (Status.OPEN, 45))
        elif age_days < 150:
            table = (
                (Status.OPEN, 62),
                (Status.REJECTED, 5),
                (Status.DRAFT, 5),
                (Status.ACCEPTED, 10),
                (Status.DECLINED, 6),
                (Status.POSTPONED, 4),
                (Status.IN_PROGRESS, 8),
            )
        else:
            table = (
                (Status.REJECTED, 5),
                (Status.DRAFT, 2),
                (Status.OPEN, 3),
                (Status.DECLINED, 15),
                (Status.POSTPONED, 2),
                (Status.ACCEPTED, 5),
                (Status.ACCEPTED_WITH_CONDITIONS, 5),
                (Status.IN_PROGRESS, 8),
                (Status.COMPLETED, 45),
                (Status.ABANDONED, 10),
            )
        return _weighted(rng, table)

    def _write_initiative(self, iid, status, author, created, submitted, published, decided, decision, events):
        rng = self.rng
        quartier = rng.choice(self.quartiers)
        activity = rng.choice(ACTIVITIES)
        place = rng.choice(PLACES).format(
            street=rng.choice(STREETS),
            quartier=quartier[3],
            residence=rng.choice(RESIDENCES),
            school=rng.choice(SCHOOLS),
        )
        title = f"{activity} {place}"[:120]
        summary = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(GOALS)}."
        description = (
            f"**Pourquoi ?** {rng.choice(WHY)} {rng.choice(WHY)}\n\n"
            f"**Comment ?** {rng.choice(HOW)} {rng.choice(HOW)}\n\n"
            f"**Pour qui ?** {rng.choice(PUBLICS)}, {rng.choice(WHEN)}."
        )
        completed = status == Status.COMPLETED
        assisted = rng.random() < 0.1
        self.w.add(
            Initiative,
            {
                "id": iid,
                "structure_id": self.structure_id,
                "author_id": author,
                "recorded_by_id": self.staff_ids[2] if assisted else None,
                "title": title,
                "summary": summary,
                "description": description,
                "theme_id": rng.choice(self.themes),
                "quartier_id": quartier[0],
                "target_public": rng.choice(PUBLICS),
                "when_text": rng.choice(WHEN),
                "helpers_needed": rng.choice((0, 0, 2, 3, 5, 8)),
                "budget_requested": Decimal(rng.choice((0, 150, 300, 450, 600, 760, 800, 1000))) or None,
                "materials": rng.choice(MATERIALS),
                "status": status.value,
                "support_count": 0,  # set after the supports, from the rows themselves
                "response_deadline": (published + timedelta(days=60)).date() if status == Status.OPEN else None,
                "decided_by_id": self.direction_id if decided else None,
                "decided_at": decided,
                "decision_text": DECISION_TEXTS[decision] if decision else "",
                "participants_count": rng.randint(12, 250) if completed else None,
                "bilan_text": rng.choice(BILANS) if completed else "",
                "hidden_at": None,
                "hidden_reason": "",
                "search_text": _search_key(title, summary, description),
                "created_at": created,
                "submitted_at": submitted,
                "published_at": published,
                "updated_at": events[-1][2],
            },
        )
        for from_status, to_status, at, actor, reason, message in events:
            self.w.add(
                InitiativeEvent,
                {
                    "id": self.ids.take(InitiativeEvent),
                    "initiative_id": iid,
                    "at": at,
                    "actor_id": actor,
                    "on_behalf_of_id": author if assisted and actor == author else None,
                    "from_status": from_status.value if from_status else None,
                    "to_status": to_status.value,
                    "reason": reason,
                    "message": message,
                },
            )
        if submitted is not None:
            self.ledger(
                author,
                "initiative.propose",
                Level.L3_CONTRIBUTION,
                "initiative",
                iid,
                submitted,
                by=self.staff_ids[2] if assisted else None,
            )
        if submitted is not None and rng.random() < 0.2:
            for colead in self.pick_distinct(created, rng.randint(1, 2), exclude=(author,)):
                confirmed = None
                if rng.random() < 0.85:
                    confirmed = min(created + timedelta(days=rng.randint(1, 10)), self.clock.now)
                self.w.add(
                    CoLead,
                    {
                        "id": self.ids.take(CoLead),
                        "initiative_id": iid,
                        "user_id": colead,
                        "invited_at": created,
                        "confirmed_at": confirmed,
                    },
                )
                if confirmed:
                    self.ledger(colead, "initiative.colead", Level.L3_CONTRIBUTION, "initiative", iid, confirmed)

    def _supports_follows_help(self) -> None:
        rng, clock, sizes = self.rng, self.clock, self.sizes
        public = [i for i in self.initiatives if i[1].is_public]
        # The most supported initiative gathers a fifth of the habitants, as a very popular one does.
        most = min(
            max(int(sizes.habitants * 0.2), 3 * sizes.supports // max(len(public), 1)), int(sizes.habitants * 0.6)
        )
        caps = [min(12 + max((i[3] - i[2]).days, 1) * 25, most) for i in public]
        wanted_counts = _water_fill(sizes.supports, [i[5] for i in public], caps)
        counts: dict[int, int] = {}
        for (iid, _status, published, end, author, _weight), wanted in zip(public, wanted_counts, strict=True):
            supporters = self.pick_distinct(end, wanted, exclude=(author,))
            followers = {author}
            count = 0
            for pid in supporters:
                lo = max(published, self.people[pid].joined)
                when = clock.moment(lo, end)
                by = self.staff_ids[2] if rng.random() < 0.04 else None
                self.w.add(
                    Support,
                    {
                        "id": self.ids.take(Support),
                        "initiative_id": iid,
                        "user_id": pid,
                        "created_at": when,
                        "recorded_by_id": by,
                    },
                )
                self.ledger(pid, "initiative.support", Level.L2_CONSULTATION, "initiative", iid, when, by=by)
                if pid not in followers:
                    followers.add(pid)
                    self._follow(iid, pid, when)
                count += 1
            if rng.random() < 0.05 and self.test_ids:
                tester = rng.choice(self.test_ids)
                when = clock.moment(published, end)
                self.w.add(
                    Support,
                    {
                        "id": self.ids.take(Support),
                        "initiative_id": iid,
                        "user_id": tester,
                        "created_at": when,
                        "recorded_by_id": None,
                    },
                )
                self.ledger(tester, "initiative.support", Level.L2_CONSULTATION, "initiative", iid, when)
                count += 1
            counts[iid] = count
            self._author_follow(iid, author, published, followers)
        self._help_offers(public)
        self.w.flush()
        self.support_counts = counts
        table = Initiative.__table__
        for count, ids in _group_by_value(counts).items():
            for chunk in _chunks(ids, 900):
                db.session.execute(sa.update(table).where(table.c.id.in_(chunk)).values(support_count=count))

    def _author_follow(self, iid, author, published, followers) -> None:
        if author not in followers:
            followers.add(author)
        self._follow(iid, author, published)

    def _follow(self, iid: int, pid: int, when: datetime) -> None:
        self.w.add(Follow, {"id": self.ids.take(Follow), "initiative_id": iid, "user_id": pid, "created_at": when})

    def _help_offers(self, public) -> None:
        rng, clock = self.rng, self.clock
        total = self.sizes.help_offers
        candidates = [i for i in public if i[1] not in (Status.DECLINED,)]
        if not candidates:
            return
        weights = [i[5] for i in candidates]
        seen: set[tuple[int, int]] = set()
        for _n in range(total):
            iid, _status, published, end, author, _w = rng.choices(candidates, weights=weights)[0]
            when = clock.moment(published, end)
            pid = self.pick(when)
            if pid == author or (iid, pid) in seen:
                continue
            seen.add((iid, pid))
            self.w.add(
                HelpOffer,
                {
                    "id": self.ids.take(HelpOffer),
                    "initiative_id": iid,
                    "user_id": pid,
                    "message": rng.choice(HELP_MESSAGES),
                    "created_at": when,
                },
            )
            self.ledger(pid, "initiative.help", Level.L3_CONTRIBUTION, "initiative", iid, when)

    def _comments(self) -> None:
        rng, clock = self.rng, self.clock
        public = [i for i in self.initiatives if i[1].is_public]
        if not public:
            return
        weights = [i[5] * 3 + self.support_counts.get(i[0], 0) for i in public]
        most = max(int(self.sizes.habitants * 0.06), 3 * self.sizes.comments // len(public))
        per = _water_fill(self.sizes.comments, weights, [most] * len(public))
        by_id = {i[0]: i for i in public}
        for iid, count in zip((i[0] for i in public), per, strict=True):
            if not count:
                continue
            _iid, _status, published, end, author, _w = by_id[iid]
            end = min(end + timedelta(days=90), clock.now)
            times = sorted(clock.moment(published, end) for _ in range(count))
            tops: list[tuple[int, int]] = []
            for when in times:
                cid = self.ids.take(Comment)
                parent = None
                if tops and rng.random() < 0.25:
                    parent = rng.choice(tops)
                staff = rng.random() < 0.04
                pid = self.staff_id() if staff else (author if parent and rng.random() < 0.5 else self.pick(when))
                body = rng.choice(REPLIES) if parent else rng.choice(COMMENTS)
                if not parent and rng.random() < 0.3:
                    body = f"{body} {rng.choice(COMMENTS)}"
                hidden = rng.random() < 0.005
                deleted = not hidden and rng.random() < 0.008
                self.w.add(
                    Comment,
                    {
                        "id": cid,
                        "initiative_id": iid,
                        "author_id": pid,
                        "parent_id": parent[0] if parent else None,
                        "body": body,
                        "created_at": when,
                        "edited_at": None,
                        "deleted_at": min(when + timedelta(hours=3), clock.now) if deleted else None,
                        "hidden_at": min(when + timedelta(hours=20), clock.now) if hidden else None,
                        "hidden_by_id": self.staff_ids[1] if hidden else None,
                        "hidden_reason": "Propos irrespectueux" if hidden else "",
                    },
                )
                if not parent:
                    tops.append((cid, pid))
                self.ledger(pid, "initiative.comment", Level.L2_CONSULTATION, "initiative", iid, when)
                if hidden or rng.random() < 0.004:
                    reporter = self.pick(when)
                    # Moderators deal with reports within days: only the last weeks' are still open.
                    resolved = hidden or when < clock.now - timedelta(days=30)
                    if reporter != pid:
                        self.w.add(
                            CommentReport,
                            {
                                "id": self.ids.take(CommentReport),
                                "comment_id": cid,
                                "reporter_id": reporter,
                                "reason": "Ce commentaire me semble déplacé.",
                                "created_at": min(when + timedelta(hours=5), clock.now),
                                "resolved_at": min(when + timedelta(hours=20), clock.now) if resolved else None,
                                "resolved_by_id": self.staff_ids[1] if resolved else None,
                            },
                        )

    # - instances -

    def make_instances(self) -> None:
        rng, clock = self.rng, self.clock
        by_type = {}
        for spec in self.instance_specs:
            by_type.setdefault(spec["type"], spec)
        board = by_type[InstanceType.BOARD]
        self.board = board
        for spec in self.instance_specs:
            reports_to = board["id"] if spec["nature"] == Nature.ADVISORY and spec is not board else None
            archived = None
            if not spec["core"] and rng.random() < 0.05:
                archived = clock.at(clock.today - timedelta(days=rng.randint(10, 200)), 11)
                spec["dates"] = [d for d in spec["dates"] if clock.at(d, 12) < archived]
            self.w.add(
                Instance,
                {
                    "id": spec["id"],
                    "structure_id": self.structure_id,
                    "name": spec["name"],
                    "instance_type": spec["type"].value,
                    "nature": spec["nature"].value,
                    "description": spec["description"],
                    "is_public": spec["public"],
                    "join_policy": spec["join"].value,
                    "reports_to_id": reports_to,
                    "created_at": spec["created"],
                    "archived_at": archived,
                },
            )
            spec["reports_to"] = reports_to
            self._rules(spec)
        self.w.flush()
        ag = by_type.get(InstanceType.GENERAL_ASSEMBLY)
        self.ag_dates = ag["dates"] if ag else []
        for spec in self.instance_specs:
            self._seats(spec)
        self.w.flush()
        self.meeting_ids_by_instance: dict[int, list[tuple[int, date, str]]] = {}
        for spec in self.instance_specs:
            self._meetings(spec)

    def _rules(self, spec) -> None:
        rng = self.rng
        versions = 2 if spec["type"] == InstanceType.BOARD else 1
        spec["rules"] = []
        for version in range(1, versions + 1):
            rid = self.ids.take(InstanceRules)
            spec["rules"].append(rid)
            self.w.add(
                InstanceRules,
                {
                    "id": rid,
                    "instance_id": spec["id"],
                    "version": version,
                    "source": spec["source"].value,
                    "colleges": spec["colleges"],
                    "mandate_months": spec["mandate"],
                    "notice_days": spec["notice"],
                    "quorum_base": spec["quorum"].value,
                    "quorum_is_percent": True,
                    "quorum_threshold": 50 if spec["type"] != InstanceType.GENERAL_ASSEMBLY else 10,
                    "second_call_without_quorum": True,
                    "majority": Majority.SIMPLE.value,
                    "qualified_num": 2,
                    "qualified_den": 3,
                    "abstentions_counted": False,
                    "chair_casting_vote": spec["type"] == InstanceType.BOARD,
                    "proxies_allowed": spec["proxies"] > 0,
                    "proxies_max": max(spec["proxies"], 1),
                    "voting_mode": spec["voting"].value,
                    "minutes_deadline_days": 30,
                    "excluded_topics": (
                        "Budget et ressources humaines" if spec["type"] == InstanceType.USERS_COMMITTEE else ""
                    ),
                    "created_at": spec["created"] + timedelta(days=400 * (version - 1) + rng.randint(0, 30)),
                    "created_by_id": self.direction_id,
                },
            )

    def _seats(self, spec) -> None:
        """Seats as chains of holders: a holder leaves (end of mandate or departure), the next arrives."""
        rng, clock = self.rng, self.clock
        spec["seats"] = []  # (seat id, person, start date, end date or None, has_vote, ex_officio)
        first = max(clock.local_date(spec["created"]), clock.start)
        current: set[int] = set()
        board_like = spec["type"] in (InstanceType.BOARD, InstanceType.EXECUTIVE_COMMITTEE)
        for slot, (college, office, has_vote, ex_officio) in enumerate(spec["slots"]):
            start = first if rng.random() < 0.7 else clock.day(first, clock.today - timedelta(days=30))
            holder_rank = 0
            while start <= clock.today:
                if ex_officio:
                    person = (self.partner_ids + [self.direction_id])[slot % 3]
                    length = 10_000
                else:
                    when = clock.at(start, 12)
                    person = None
                    for _attempt in range(30):
                        candidate = self.pick(when)
                        if candidate not in current:
                            person = candidate
                            break
                    if person is None:
                        break
                    gone = self.people[person].gone
                    length = (spec["mandate"] or 30) * 30 if board_like else int(rng.expovariate(1 / 700)) + 60
                    if gone is not None:
                        length = min(length, max((clock.local_date(gone) - start).days - 1, 1))
                end = start + timedelta(days=length)
                if board_like and end <= clock.today and self.ag_dates:
                    i = bisect.bisect_left(self.ag_dates, end)
                    if i < len(self.ag_dates) and self.ag_dates[i] < clock.today:
                        end = self.ag_dates[i]
                active = end > clock.today
                sid = self.ids.take(Seat)
                self.w.add(
                    Seat,
                    {
                        "id": sid,
                        "instance_id": spec["id"],
                        "person_id": person,
                        "status": (SeatStatus.ACTIVE if active else SeatStatus.ENDED).value,
                        "college": college,
                        "office": office.value if holder_rank == 0 or board_like else Office.MEMBER.value,
                        "has_vote": has_vote,
                        "ex_officio": ex_officio,
                        "request_message": "",
                        "requested_at": clock.at(start, 10) - timedelta(days=rng.randint(1, 20)),
                        "start_date": start,
                        "end_date": start + timedelta(days=30 * spec["mandate"]) if spec["mandate"] else None,
                        "ended_at": None if active else clock.at(end, 20),
                        "end_reason": None
                        if active
                        else (EndReason.MANDATE_END if board_like else EndReason.LEFT).value,
                        "decided_by_id": self.direction_id,
                        "elected_at_meeting_id": None,
                        "parental_authorisation_at": None,
                        "parental_authorisation_by_id": None,
                    },
                )
                occurred = min(clock.now, datetime.combine(start, time(12)))
                self.ledger(
                    person,
                    "instance.seat",
                    spec["nature"].level,
                    "seat",
                    sid,
                    occurred,
                    by=self.direction_id,
                    as_staff=True if ex_officio else None,
                )
                spec["seats"].append((sid, person, start, None if active else end, has_vote, ex_officio))
                if active:
                    current.add(person)
                    break
                start = end + timedelta(days=1)
                holder_rank += 1
        if spec["join"] != JoinPolicy.APPOINTED:
            for _n in range(rng.randint(0, 3)):
                when = clock.moment(clock.now - timedelta(days=40))
                person = self.pick(when)
                if person in current:
                    continue
                current.add(person)
                self.w.add(
                    Seat,
                    {
                        "id": self.ids.take(Seat),
                        "instance_id": spec["id"],
                        "person_id": person,
                        "status": SeatStatus.REQUESTED.value,
                        "college": spec["slots"][0][0],
                        "office": Office.MEMBER.value,
                        "has_vote": True,
                        "ex_officio": False,
                        "request_message": "Je souhaite rejoindre l'instance pour apporter mes idées.",
                        "requested_at": when,
                        "start_date": None,
                        "end_date": None,
                        "ended_at": None,
                        "end_reason": None,
                        "decided_by_id": None,
                        "elected_at_meeting_id": None,
                        "parental_authorisation_at": None,
                        "parental_authorisation_by_id": None,
                    },
                )

    def _meetings(self, spec) -> None:
        rng, clock = self.rng, self.clock
        iid = spec["id"]
        meetings = []
        hour, minute = spec["hour"]
        for n, day in enumerate(spec["dates"], start=1):
            mid = self.ids.take(Meeting)
            starts = clock.at(day, hour, minute)
            duration = spec["duration"]
            rules_id = spec["rules"][-1] if len(spec["rules"]) > 1 and n > len(spec["dates"]) // 2 else spec["rules"][0]
            past = starts + timedelta(minutes=duration) < clock.now
            if not past:
                status = MeetingStatus.PLANNED
            else:
                r = rng.random()
                can_adjourn = spec["quorum"] != QuorumBase.NONE
                status = (
                    MeetingStatus.CANCELLED
                    if r < 0.04
                    else MeetingStatus.ADJOURNED
                    if r < 0.06 and can_adjourn
                    else MeetingStatus.HELD
                )
            convened = starts - timedelta(days=spec["notice"] + rng.randint(0, 5))
            convened = convened if convened < clock.now else None
            held = status in (MeetingStatus.HELD, MeetingStatus.ADJOURNED)
            closed = min(starts + timedelta(minutes=duration + rng.randint(30, 2880)), clock.now) if held else None
            self.w.add(
                Meeting,
                {
                    "id": mid,
                    "instance_id": iid,
                    "rules_id": rules_id,
                    "title": spec["meeting_title"].format(n=n, date=day.strftime("%d/%m/%Y")),
                    "starts_at": starts,
                    "duration_minutes": duration,
                    "place": rng.choice(MEETING_PLACES),
                    "online_url": "",
                    "status": status.value,
                    "is_second_call": False,
                    "convened_at": convened,
                    "convened_by_id": self.staff_ids[1] if convened else None,
                    "closed_at": closed,
                    "quorum_reached": (status == MeetingStatus.HELD) if held else None,
                    "quorum_override_reason": "",
                    "cancel_reason": "Trop peu de membres disponibles." if status == MeetingStatus.CANCELLED else "",
                    "created_at": min(convened or starts, clock.now) - timedelta(days=7),
                },
            )
            meetings.append((mid, day, status, starts, duration, rules_id))
            items = self._agenda(mid, spec, day)
            if held:
                present = self._attendance(spec, mid, day, starts, duration, status, closed)
                if status == MeetingStatus.HELD:
                    self._meeting_motions(spec, mid, day, starts, items, present, rules_id)
                    self._minutes(mid, starts)
            elif status == MeetingStatus.PLANNED and convened:
                self._rsvps(spec, mid, day)
        self.meeting_ids_by_instance[iid] = [(m[0], m[1], m[2].value) for m in meetings]

    def _agenda(self, mid, spec, day) -> list[tuple[int, int | None]]:
        rng = self.rng
        items = []
        titles = rng.sample(AGENDA, k=min(len(AGENDA), rng.randint(2, 5)))
        fph = spec is self.fph
        decided = self.decided_at_fph.get(day, []) if fph else []
        for pos, title in enumerate(titles):
            aid = self.ids.take(AgendaItem)
            items.append((aid, None))
            self.w.add(
                AgendaItem,
                {
                    "id": aid,
                    "meeting_id": mid,
                    "position": pos,
                    "title": title,
                    "description": "",
                    "initiative_id": None,
                },
            )
        for pos, (initiative_id, _decision) in enumerate(decided, start=len(titles)):
            aid = self.ids.take(AgendaItem)
            items.append((aid, initiative_id))
            self.w.add(
                AgendaItem,
                {
                    "id": aid,
                    "meeting_id": mid,
                    "position": pos,
                    "title": f"Projet d'habitants n°{initiative_id}",
                    "description": "Présentation orale par les porteurs, puis décision du comité.",
                    "initiative_id": initiative_id,
                },
            )
        return items

    def _members_on(self, spec, day):
        """Seats held on `day`, one per person (a person may have held two seats one after the other)."""
        seen: set[int] = set()
        members = []
        for seat in spec["seats"]:
            if seat[2] <= day and (seat[3] is None or seat[3] > day) and seat[1] not in seen:
                seen.add(seat[1])
                members.append(seat)
        return members

    def _attendance(self, spec, mid, day, starts, duration, status, closed) -> list[tuple[int, bool, int | None]]:
        """Attendance rows, their ledger rows and the proposed or validated hours.
        Returns the voting members who took part: (person, voted in person, proxy holder)."""
        rng = self.rng
        members = self._members_on(spec, day)
        presence = 0.35 if status == MeetingStatus.ADJOURNED else spec["presence"]
        present_voters: list[int] = []
        rows = []
        for _sid, person, _start, _end, has_vote, ex_officio in members:
            r = rng.random()
            if r < presence:
                st = AttendanceStatus.PRESENT
            elif r < presence + 0.05 and spec["proxies"]:
                st = AttendanceStatus.REPRESENTED
            elif r < presence + 0.2:
                st = AttendanceStatus.EXCUSED
            else:
                st = AttendanceStatus.ABSENT
            rows.append([person, st, has_vote, ex_officio, None])
            if st == AttendanceStatus.PRESENT and has_vote:
                present_voters.append(person)
        took_part = []
        for row in rows:
            if row[1] == AttendanceStatus.REPRESENTED:
                holders = [p for p in present_voters if p != row[0]]
                if holders and row[2]:
                    row[4] = rng.choice(holders)
                else:
                    row[1] = AttendanceStatus.EXCUSED
        level = spec["nature"].level
        category = Category.GOVERNANCE if spec["type"].is_governance else Category.STEERING
        for person, st, has_vote, ex_officio, holder in rows:
            self.w.add(
                Attendance,
                {
                    "id": self.ids.take(Attendance),
                    "meeting_id": mid,
                    "person_id": person,
                    "status": st.value,
                    "proxy_holder_id": holder,
                    "has_vote": has_vote,
                    "ex_officio": ex_officio,
                    "recorded_by_id": self.staff_ids[1],
                    "recorded_at": closed,
                },
            )
            if st in (AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTED):
                kind = "meeting.attend" if st == AttendanceStatus.PRESENT else "meeting.represented"
                self.ledger(person, kind, level, "meeting", mid, starts, by=self.staff_ids[1])
                if has_vote:
                    took_part.append((person, st == AttendanceStatus.PRESENT, holder))
            if st == AttendanceStatus.PRESENT and not ex_officio and not self.people[person].staff:
                self.hour_entry(
                    person,
                    day,
                    _hours(duration / 60),
                    category,
                    f"{spec['name']} — réunion du {day.strftime('%d/%m/%Y')}"[:300],
                    EntrySource.MEETING,
                    instance_id=spec["id"],
                    meeting_id=mid,
                )
        return took_part

    def _meeting_motions(self, spec, mid, day, starts, items, took_part, rules_id) -> None:
        rng = self.rng
        kind_of = spec["motion_kind"]
        n = rng.choice(spec["motions"])
        plain_items = [a for a, initiative in items if initiative is None]
        motions = []
        for _k in range(n):
            title = rng.choice(DECISIONS if kind_of == MotionKind.DECISION else OPINIONS)
            motions.append((title, kind_of, None, None, rng.choice(plain_items) if plain_items else None))
        for aid, initiative_id in items:
            if initiative_id is not None:
                decision = dict(self.decided_at_fph.get(day, [])).get(initiative_id)
                title = f"Décision sur le projet d'habitants n°{initiative_id}"
                motions.append((title, MotionKind.DECISION, initiative_id, decision, aid))
        eligible = [s[1] for s in self._members_on(spec, day) if s[4]]
        for title, kind, initiative_id, decision, aid in motions:
            mo_id = self.ids.take(Motion)
            secret = spec["voting"] == VotingMode.SECRET
            opens = starts + timedelta(minutes=rng.randint(15, 60))
            tallies = Counter()
            cast: dict[int, tuple[Choice, int | None]] = {}
            lean = 0.8 if rng.random() < 0.85 else 0.35
            for person, in_person, holder in took_part:
                r = rng.random()
                choice = Choice.FOR if r < lean else Choice.AGAINST if r < lean + (1 - lean) * 0.6 else Choice.ABSTAIN
                cast[person] = (choice, None if in_person else holder)
                tallies[choice] += 1
            adopted = tallies[Choice.FOR] > tallies[Choice.AGAINST]
            if initiative_id is not None:
                adopted = True
                for person in cast:
                    if cast[person][0] == Choice.AGAINST:
                        cast[person] = (Choice.FOR, cast[person][1])
                tallies = Counter(c for c, _h in cast.values())
            closed = opens + timedelta(minutes=rng.randint(5, 20))
            self.w.add(
                Motion,
                {
                    "id": mo_id,
                    "instance_id": spec["id"],
                    "meeting_id": mid,
                    "agenda_item_id": aid,
                    "rules_id": rules_id,
                    "kind": kind.value,
                    "title": title,
                    "text": "Le texte soumis au vote a été présenté en séance.",
                    "voting_mode": (VotingMode.SECRET if secret else VotingMode.OPEN).value,
                    "is_online": False,
                    "is_consultation": False,
                    "opens_at": opens,
                    "closes_at": None,
                    "status": MotionStatus.CLOSED.value,
                    "for_count": tallies[Choice.FOR],
                    "against_count": tallies[Choice.AGAINST],
                    "abstain_count": tallies[Choice.ABSTAIN],
                    "counted_by_hand": False,
                    "outcome": (Outcome.ADOPTED if adopted else Outcome.REJECTED).value,
                    "initiative_id": initiative_id,
                    "initiative_decision": decision.value if decision else None,
                    "created_by_id": self.staff_ids[1],
                    "created_at": opens - timedelta(days=3),
                    "closed_at": closed,
                },
            )
            self._voters(mo_id, eligible, cast, opens, secret, spec["nature"].level)
            if adopted and kind == MotionKind.OPINION and spec.get("reports_to"):
                self._opinion(spec, mid, mo_id, title, closed)
            if adopted and kind == MotionKind.DECISION and rng.random() < 0.35:
                self._follow_up(spec, mid, mo_id, closed)

    def _voters(self, motion_id, eligible, cast, when, secret, level, *, consultation=False) -> None:
        rng = self.rng
        for person in dict.fromkeys(eligible):
            ballot = cast.get(person)
            at = None
            if ballot:
                at = when + timedelta(minutes=rng.randint(0, 10)) if not consultation else ballot[2]
            self.w.add(
                Voter,
                {
                    "id": self.ids.take(Voter),
                    "motion_id": motion_id,
                    "person_id": person,
                    "cast_at": at,
                    "cast_by_id": ballot[1] if ballot else None,
                },
            )
            if ballot:
                if not secret:
                    self.w.add(
                        OpenVote,
                        {
                            "id": self.ids.take(OpenVote),
                            "motion_id": motion_id,
                            "person_id": person,
                            "choice": ballot[0].value,
                            "cast_at": at,
                        },
                    )
                self.ledger(person, "motion.vote", level, "motion", motion_id, at, by=ballot[1])

    def _opinion(self, spec, mid, motion_id, title, sent) -> None:
        rng, clock = self.rng, self.clock
        answered = rng.random() < 0.75
        responded = sent + timedelta(days=rng.randint(8, 80))
        answered = answered and responded < clock.now
        self.w.add(
            Opinion,
            {
                "id": self.ids.take(Opinion),
                "from_instance_id": spec["id"],
                "to_instance_id": spec["reports_to"],
                "meeting_id": mid,
                "motion_id": motion_id,
                "title": title,
                "text": "Les membres proposent que le conseil d'administration examine cette question.",
                "sent_at": sent,
                "sent_by_id": self.staff_ids[1],
                "response": rng.choice(list(ResponseKind)).value if answered else None,
                "response_text": "Le conseil d'administration en a débattu et répond ainsi." if answered else "",
                "responded_at": responded if answered else None,
                "responded_by_id": self.direction_id if answered else None,
                "response_meeting_id": None,
            },
        )

    def _follow_up(self, spec, mid, motion_id, when) -> None:
        rng, clock = self.rng, self.clock
        due = clock.local_date(when) + timedelta(days=rng.randint(15, 90))
        status = FollowUpStatus.DONE if due < clock.today - timedelta(days=30) else rng.choice(list(FollowUpStatus))
        self.w.add(
            FollowUp,
            {
                "id": self.ids.take(FollowUp),
                "instance_id": spec["id"],
                "meeting_id": mid,
                "motion_id": motion_id,
                "text": rng.choice(FOLLOW_UPS),
                "owner_id": self.staff_id() if rng.random() < 0.6 else None,
                "owner_text": "" if rng.random() < 0.6 else "L'équipe jeunesse",
                "due_date": due,
                "status": status.value,
                "note": "",
                "created_at": when,
                "updated_at": when,
            },
        )

    def _minutes(self, mid, starts) -> None:
        rng, clock = self.rng, self.clock
        age = (clock.now - starts).days
        published = starts + timedelta(days=rng.randint(3, 45))
        if age < 10:
            status = MinutesStatus.DRAFT
        elif published < clock.now and rng.random() < 0.85:
            status = MinutesStatus.PUBLISHED
        else:
            status = MinutesStatus.APPROVED
        approved = starts + timedelta(days=rng.randint(2, 30)) if status != MinutesStatus.DRAFT else None
        approved = min(approved, clock.now) if approved else None
        published = min(max(published, approved or published), clock.now)
        self.w.add(
            Minutes,
            {
                "id": self.ids.take(Minutes),
                "meeting_id": mid,
                "body": MINUTES_BODY,
                "status": status.value,
                "author_id": self.staff_ids[1],
                "approved_at": approved,
                "approved_at_meeting_id": None,
                "published_at": published if status == MinutesStatus.PUBLISHED else None,
                "updated_at": published
                if status == MinutesStatus.PUBLISHED
                else min(starts + timedelta(days=2), clock.now),
            },
        )

    def _rsvps(self, spec, mid, day) -> None:
        rng = self.rng
        for _sid, person, *_rest in self._members_on(spec, day):
            if rng.random() < 0.5:
                self.w.add(
                    Rsvp,
                    {
                        "id": self.ids.take(Rsvp),
                        "meeting_id": mid,
                        "person_id": person,
                        "answer": _weighted(rng, ((RsvpAnswer.COMING, 8), (RsvpAnswer.EXCUSED, 2))).value,
                        "proxy_holder_id": None,
                        "updated_at": self.clock.now - timedelta(hours=rng.randint(1, 72)),
                        "recorded_by_id": None,
                    },
                )

    # - volunteering -

    def hour_entry(self, person, day, hours, category, description, source, **links) -> None:
        """One hour entry: validated (with its valuation snapshot and ledger row) unless recent."""
        rng, clock = self.rng, self.clock
        eid = self.ids.take(HourEntry)
        age = (clock.today - day).days
        if age < 14 and rng.random() < 0.6:  # staff validate every week or two
            status = EntryStatus.PROPOSED
        elif rng.random() < 0.015:
            status = EntryStatus.REJECTED
        else:
            status = EntryStatus.VALIDATED
        validated_at = rate = value = validator = None
        if status == EntryStatus.VALIDATED:
            validated_at = min(
                clock.at(day, 12) + timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8)), clock.now
            )
            validator = self.staff_ids[6] if rng.random() < 0.7 else self.staff_id()
            rate = self.rate_on(day)
            value = (hours * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        declared_by = links.pop("declared_by", None)
        self.w.add(
            HourEntry,
            {
                "id": eid,
                "structure_id": self.structure_id,
                "person_id": person,
                "day": day,
                "hours": hours,
                "category": category.value,
                "description": description,
                "is_skill_based": links.pop("skill", False),
                "source": source.value,
                "mission_id": links.get("mission_id"),
                "signup_id": links.get("signup_id"),
                "instance_id": links.get("instance_id"),
                "meeting_id": links.get("meeting_id"),
                "status": status.value,
                "declared_by_id": declared_by,
                "validated_by_id": validator if status != EntryStatus.PROPOSED else None,
                "validated_at": validated_at if status == EntryStatus.VALIDATED else None,
                "reject_reason": "Ces heures ont déjà été déclarées." if status == EntryStatus.REJECTED else "",
                "rate": rate,
                "rate_method": ValuationMethod.SMIC_GROSS.value if rate else None,
                "rate_coefficient": Decimal("1.00") if rate else None,
                "value": value,
                "created_at": min(clock.at(day, 20), clock.now),
            },
        )
        if status == EntryStatus.VALIDATED:
            self.ledger(
                person,
                "hours.validate",
                category.level,
                "hourentry",
                eid,
                datetime.combine(day, time(12)),
                hours=hours,
                by=validator,
            )

    def rate_on(self, day: date) -> Decimal:
        i = bisect.bisect_right(self.smic_days, day) - 1
        return self.smic_rates[max(i, 0)]

    def _valuation_policy(self) -> None:
        """The SMIC horaire brut, one policy version per change within the window (meetings
        already propose hours: this comes before the instances)."""
        clock = self.clock
        self.smic_days, self.smic_rates = [], []
        for since, rate in SMIC:
            effective = max(since, clock.start)
            if self.smic_days and effective == self.smic_days[-1]:
                self.smic_rates[-1] = rate
                continue
            self.smic_days.append(effective)
            self.smic_rates.append(rate)
        for effective, rate in zip(self.smic_days, self.smic_rates, strict=True):
            self.w.add(
                ValuationPolicy,
                {
                    "id": self.ids.take(ValuationPolicy),
                    "structure_id": self.structure_id,
                    "effective_from": effective,
                    "method": ValuationMethod.SMIC_GROSS.value,
                    "default_rate": rate,
                    "category_rates": {},
                    "coefficient": Decimal("1.00"),
                    "full_time_hours": 1607,
                    "created_by_id": self.direction_id,
                    "created_at": clock.at(effective, 10) - timedelta(days=5),
                },
            )

    def make_volunteering(self) -> None:
        rng, clock, sizes = self.rng, self.clock, self.sizes
        # Missions: the catalogue, repeated by quartier in big centres.
        specs = []
        for k in range(sizes.missions):
            base = MISSIONS[k % len(MISSIONS)]
            title = base[0] if k < len(MISSIONS) else f"{base[0]} ({self.quartiers[k % len(self.quartiers)][3]})"
            specs.append((title, *base[1:]))
        statuses = [
            _weighted(rng, ((MissionStatus.PUBLISHED, 85), (MissionStatus.ARCHIVED, 10), (MissionStatus.DRAFT, 5)))
            for _spec in specs
        ]
        statuses[0] = MissionStatus.PUBLISHED
        weights = [
            0.0 if st == MissionStatus.DRAFT else 3.0 if s[7] else 1.0 for s, st in zip(specs, statuses, strict=True)
        ]
        total_weight = sum(weights)
        # Capacities sized so that the sign-ups fill the shifts about as they do in life.
        mean_capacity = sum(w * (s[6][0] + s[6][1]) / 2 for s, w in zip(specs, weights, strict=True)) / total_weight
        self.capacity_factor = max(sizes.signups / max(sizes.shifts, 1) / 0.97 / mean_capacity, 0.2)
        self.missions = []
        volunteers: set[int] = set()
        for spec, weight, status in zip(specs, weights, statuses, strict=True):
            title, category, activity, skill, hour, hours, (cap_lo, cap_hi), weekly = spec
            mid = self.ids.take(Mission)
            n_shifts = round(sizes.shifts * weight / total_weight)
            created = clock.at(clock.start, 9) - timedelta(days=rng.randint(5, 60))
            self.w.add(
                Mission,
                {
                    "id": mid,
                    "structure_id": self.structure_id,
                    "title": title[:120],
                    "description": f"{activity} : rejoignez l'équipe de bénévoles. Aucune compétence particulière "
                    "n'est demandée, l'équipe vous accueille et vous explique tout.",
                    "category": category.value,
                    "skills": ", ".join(rng.sample(SKILLS, 2)) if skill else "",
                    "is_skill_based": skill,
                    "activity": activity,
                    "initiative_id": None,
                    "instance_id": None,
                    "status": status.value,
                    "created_by_id": self.staff_ids[6],
                    "created_at": created,
                },
            )
            coordinators = [rng.choice(self.coordinator_ids or self.staff_ids), self.staff_ids[6]]
            for person in dict.fromkeys(coordinators):
                self.w.add(
                    MissionCoordinator,
                    {"id": self.ids.take(MissionCoordinator), "mission_id": mid, "person_id": person},
                )
            team = self.pick_distinct(clock.at(clock.day(), 12), rng.randint(6, 25))
            volunteers.update(team)
            self.missions.append(
                (mid, title, category, skill, hour, hours, cap_lo, cap_hi, weekly, n_shifts, status, team)
            )
        self.w.flush()
        # Plan every mission's slots first, so that the sign-ups can be spread over their capacity.
        plans = []
        for mission in self.missions:
            n_shifts, cap_lo, cap_hi = mission[9], mission[6], mission[7]
            days, weekday = self._shift_days(mission[8], n_shifts, mission[10]) if n_shifts else ([], None)
            base = self._capacity(cap_lo, cap_hi)
            caps = [base if mission[8] else self._capacity(cap_lo, cap_hi) for _day in days]
            plans.append((mission, days, weekday, caps))
        fill = sizes.signups / max(sum(sum(p[3]) for p in plans), 1)
        for mission, days, weekday, caps in plans:
            if days:
                self._shifts(mission, days, weekday, caps, fill)
        self._profiles(volunteers)

    def _shift_days(self, weekly, n, status) -> tuple[list[date], int | None]:
        """`n` days for a mission: events here and there; regular slots on one weekday, weekly or
        every few weeks, over the mission's life (still running for a published mission)."""
        rng, clock = self.rng, self.clock
        if status == MissionStatus.PUBLISHED:
            first, end = clock.start + timedelta(days=rng.randint(0, 60)), clock.today + timedelta(days=42)
        else:
            first = clock.day(hi=clock.today - timedelta(days=200))
            end = clock.day(first + timedelta(days=120), clock.today - timedelta(days=30))
        if not weekly:
            days = {clock.day(first, min(end, clock.today)) for _ in range(n)}
            if end > clock.today:
                days.add(end - timedelta(days=rng.randint(0, 30)))
            return sorted(days), None
        weekday = rng.randint(0, 5)
        last = end - timedelta(days=(end.weekday() - weekday) % 7)
        weeks = max((last - first).days // 7, 1)
        per_week = max(1, math.ceil(n / weeks))
        step = max(weeks * per_week * 0.88 / n, 1.0)  # August and Christmas weeks are skipped
        days: list[date] = []
        k = 0.0
        while len(days) < n:
            cursor = last - timedelta(days=7 * int(k))
            if cursor < first:
                break
            if cursor.month != 8 and not (cursor.month == 12 and cursor.day > 22):
                for extra in range(per_week):
                    days.append(cursor - timedelta(days=2 * extra))
            k += step
        return sorted(set(days[:n])), weekday

    def _capacity(self, lo: int, hi: int) -> int:
        return max(1, round(self.rng.randint(lo, hi) * self.capacity_factor))

    def _shifts(self, mission, days, weekday, caps, fill) -> None:
        """The mission's shifts and sign-ups: about `fill` × capacity people sign up, the first ones
        confirmed up to the capacity, the next on the waitlist, a few cancel."""
        rng, clock = self.rng, self.clock
        mid, title, category, skill, hour, hours, _lo, _hi, weekly, _n, _status, team = mission
        series_id = None
        capacity = caps[0]
        if weekly:
            series_id = self.ids.take(ShiftSeries)
            self.w.add(
                ShiftSeries,
                {
                    "id": series_id,
                    "mission_id": mid,
                    "weekday": weekday,
                    "start_time": time(hour, 0),
                    "end_time": (datetime.combine(clock.today, time(hour)) + timedelta(hours=hours)).time(),
                    "first_date": days[0],
                    "last_date": days[-1],
                    "capacity": capacity,
                    "place": "Centre social",
                    "signup_closes_hours": 0,
                    "created_at": clock.at(days[0], 9) - timedelta(days=7),
                },
            )
        for day, cap in zip(days, caps, strict=True):
            sid = self.ids.take(Shift)
            starts = clock.at(day, hour)
            ends = starts + timedelta(minutes=int(hours * 60))
            cancelled = rng.random() < 0.02
            past = ends < clock.now
            wanted = max(0, round(cap * fill * rng.uniform(0.75, 1.25)))
            when = starts - timedelta(days=14)
            people = [p for p in team if self._there(p, when) and rng.random() < 0.85][:wanted]
            if len(people) < wanted:
                people += self.pick_distinct(min(when, clock.now), wanted - len(people), exclude=people)
            confirmed = 0
            signups = []
            for pos, person in enumerate(people):
                queued = min(when + timedelta(hours=pos * 3 + rng.randint(0, 2)), clock.now)
                if cancelled or rng.random() < 0.07:
                    st = SignupStatus.CANCELLED
                elif confirmed < cap:
                    st = SignupStatus.CONFIRMED
                    confirmed += 1
                else:
                    st = SignupStatus.WAITLIST
                signups.append((person, st, queued))
            marked = past and not cancelled and rng.random() < 0.96
            self.w.add(
                Shift,
                {
                    "id": sid,
                    "mission_id": mid,
                    "series_id": series_id,
                    "starts_at": starts,
                    "ends_at": ends,
                    "place": "Centre social",
                    "capacity": cap,
                    "confirmed_count": confirmed,
                    "signup_closes_at": None,
                    "cancelled_at": min(starts - timedelta(days=2), clock.now) if cancelled else None,
                    "attendance_done_at": min(ends + timedelta(hours=rng.randint(1, 48)), clock.now)
                    if marked
                    else None,
                    "created_at": clock.at(day, 9) - timedelta(days=21),
                },
            )
            for person, st, queued in signups:
                su_id = self.ids.take(Signup)
                presence = None
                if marked and st == SignupStatus.CONFIRMED:
                    presence = Presence.ATTENDED if rng.random() < 0.9 else Presence.NO_SHOW
                self.w.add(
                    Signup,
                    {
                        "id": su_id,
                        "shift_id": sid,
                        "person_id": person,
                        "status": st.value,
                        "queued_at": queued,
                        "promoted_at": None,
                        "cancelled_at": min(queued + timedelta(days=2), clock.now)
                        if st == SignupStatus.CANCELLED
                        else None,
                        "presence": presence.value if presence else None,
                        "reminded_at": starts - timedelta(hours=20) if st == SignupStatus.CONFIRMED and past else None,
                        "recorded_by_id": self.staff_ids[2] if rng.random() < 0.05 else None,
                    },
                )
                if presence == Presence.ATTENDED:
                    marker = self.staff_ids[6]
                    self.ledger(person, "shift.attend", Level.L3_CONTRIBUTION, "shift", sid, starts, by=marker)
                    self.hour_entry(
                        person,
                        clock.local_date(starts),
                        min(_hours(hours), Decimal(24)),
                        category,
                        title[:300],
                        EntrySource.SHIFT,
                        skill=skill,
                        mission_id=mid,
                        signup_id=su_id,
                    )

    def _profiles(self, volunteers: set[int]) -> None:
        rng = self.rng
        slots = [f"{d}_{p}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") for p in ("am", "pm", "ev")]
        for person in sorted(volunteers):
            if rng.random() < 0.6:
                self.w.add(
                    VolunteerProfile,
                    {
                        "id": self.ids.take(VolunteerProfile),
                        "person_id": person,
                        "structure_id": self.structure_id,
                        "skills": ", ".join(rng.sample(SKILLS, rng.randint(0, 3))),
                        "availability": rng.sample(slots, rng.randint(1, 6)),
                        "note": "",
                        "share_with_coordinators": rng.random() < 0.7,
                        "contact_sharing": rng.choice(list(ContactSharing)).value,
                        "updated_at": self.clock.moment(),
                    },
                )

    def make_declared_hours(self) -> None:
        rng, clock = self.rng, self.clock
        regulars = self.pick_distinct(clock.now, max(10, self.sizes.habitants // 16))
        weights = [self.people[p].weight for p in regulars]
        missions = [m for m in self.missions if m[2] == Category.ACTIVITY]
        categories = (
            (Category.ACTIVITY, 55),
            (Category.EVENT, 10),
            (Category.SUPERVISION, 10),
            (Category.GOVERNANCE, 15),
            (Category.STEERING, 10),
        )
        for _n in range(self.sizes.declared_hours):
            person = rng.choices(regulars, weights=weights)[0]
            joined = self.people[person].joined
            gone = self.people[person].gone
            day = clock.day(max(clock.local_date(joined), clock.start), clock.local_date(gone) if gone else None)
            category = _weighted(rng, categories)
            mission = (
                rng.choice(missions) if category == Category.ACTIVITY and missions and rng.random() < 0.6 else None
            )
            self.hour_entry(
                person,
                day,
                _hours(rng.choice((0.5, 1, 1, 1.5, 2, 2, 2.5, 3, 4, 6))),
                category,
                rng.choice(HOUR_TASKS),
                EntrySource.DECLARED,
                mission_id=mission[0] if mission else None,
                declared_by=self.staff_ids[2] if rng.random() < 0.15 else person,
            )

    # - consultations: online votes open to every habitant, L2 (they make up the ledger total) -

    def make_consultations(self) -> None:
        rng, clock, sizes = self.rng, self.clock, self.sizes
        host = next(s for s in self.instance_specs if s["type"] == InstanceType.USERS_COMMITTEE)
        n = sizes.consultations
        remaining = max(sizes.ledger - self.ledger_count, 0)
        dates = sorted(clock.day(clock.start + timedelta(days=30)) for _ in range(n))
        members = self.habitants
        others = [self.people[s] for s in self.staff_ids + self.test_ids + self.partner_ids]
        eligible_counts = []
        for day in dates:
            opens = clock.at(day, 9)
            eligible_counts.append(sum(1 for p in members if p.joined < opens and (p.gone is None or opens < p.gone)))
        total_eligible = sum(eligible_counts) or 1
        for k, day in enumerate(dates):
            opens = clock.at(day, 9)
            closes = opens + timedelta(days=14)
            is_open = closes > clock.now
            eligible = [p.id for p in members if p.joined < opens and (p.gone is None or opens < p.gone)]
            eligible += [p.id for p in others]
            allowed = set(eligible)
            turnout = min(0.6, remaining / total_eligible) * rng.uniform(0.8, 1.2)
            wanted = min(int(len(eligible) * turnout), len(eligible))
            voters = [p for p in self.pick_distinct(opens, wanted) if p in allowed]
            secret = rng.random() < 0.7
            cast = {}
            tallies = Counter()
            lean = rng.uniform(0.45, 0.8)
            for person in voters:
                r = rng.random()
                choice = Choice.FOR if r < lean else Choice.AGAINST if r < lean + (1 - lean) * 0.7 else Choice.ABSTAIN
                at = clock.moment(max(opens, self.people[person].joined), min(closes, clock.now))
                cast[person] = (choice, None, at)
                tallies[choice] += 1
            mo_id = self.ids.take(Motion)
            self.w.add(
                Motion,
                {
                    "id": mo_id,
                    "instance_id": host["id"],
                    "meeting_id": None,
                    "agenda_item_id": None,
                    "rules_id": host["rules"][0],
                    "kind": MotionKind.PROPOSAL.value,
                    "title": f"{CONSULTATIONS[k % len(CONSULTATIONS)]} ({day.year})",
                    "text": "Consultation ouverte à tous les habitants inscrits au centre.",
                    "voting_mode": (VotingMode.SECRET if secret else VotingMode.OPEN).value,
                    "is_online": True,
                    "is_consultation": True,
                    "opens_at": opens,
                    "closes_at": closes,
                    "status": (MotionStatus.OPEN if is_open else MotionStatus.CLOSED).value,
                    "for_count": tallies[Choice.FOR],
                    "against_count": tallies[Choice.AGAINST],
                    "abstain_count": tallies[Choice.ABSTAIN],
                    "counted_by_hand": False,
                    "outcome": None
                    if is_open
                    else (Outcome.ADOPTED if tallies[Choice.FOR] > tallies[Choice.AGAINST] else Outcome.REJECTED).value,
                    "initiative_id": None,
                    "initiative_decision": None,
                    "created_by_id": self.staff_ids[1],
                    "created_at": opens - timedelta(days=2),
                    "closed_at": None if is_open else closes,
                },
            )
            self.w.flush(upto=Motion.__table__.name)
            self._voters(mo_id, eligible, cast, opens, secret, Level.L2_CONSULTATION, consultation=True)

    # - evaluation -

    def make_evaluation(self) -> None:
        rng, clock = self.rng, self.clock
        today = clock.today
        projects = [
            (date(today.year - 6, 1, 1), date(today.year - 3, 12, 31), "Agir ensemble 2021-2024", 2),
            (date(today.year - 2, 1, 1), date(today.year + 1, 12, 31), "Vivre et agir ensemble dans nos quartiers", 4),
        ]
        action_ids = []
        self.links_done: set = set()
        for starts, ends, title, n_axes in projects:
            pid = self.ids.take(SocialProject)
            self.w.add(
                SocialProject,
                {
                    "id": pid,
                    "structure_id": self.structure_id,
                    "title": title,
                    "starts_on": starts,
                    "ends_on": ends,
                    "summary": (
                        "Projet social agréé par la Caf, issu d'un diagnostic partagé avec les habitants "
                        "(questionnaires, ateliers de quartier, marches exploratoires)."
                    ),
                    "created_at": clock.at(max(starts - timedelta(days=60), clock.start), 10),
                    "updated_at": clock.at(max(starts, clock.start), 10),
                },
            )
            for a_pos, (axis_title, generals) in enumerate(AXES[:n_axes]):
                axis_id = self.ids.take(Axis)
                self.w.add(
                    Axis,
                    {"id": axis_id, "project_id": pid, "position": a_pos, "title": axis_title, "description": ""},
                )
                for g_pos, g_title in enumerate(generals):
                    gid = self.ids.take(Objective)
                    self._objective(gid, axis_id, None, g_pos, g_title)
                    self._indicator(pid, gid, None, 0, qualitative=True)
                    for o_pos in range(2):
                        oid = self.ids.take(Objective)
                        o_title = OPERATIONALS[(a_pos * 4 + g_pos * 2 + o_pos) % len(OPERATIONALS)]
                        self._objective(oid, axis_id, gid, o_pos, o_title)
                        for i_pos in range(2):
                            self._indicator(pid, oid, None, i_pos)
                        for c_pos in range(rng.randint(2, 3)):
                            action_id = self.ids.take(Action)
                            a_title = ACTIONS[(a_pos * 3 + g_pos * 2 + o_pos + c_pos) % len(ACTIONS)]
                            self.w.add(
                                Action,
                                {
                                    "id": action_id,
                                    "objective_id": oid,
                                    "position": c_pos,
                                    "title": a_title,
                                    "description": "Fiche action du plan d'action.",
                                    "publics": rng.choice(PUBLICS),
                                    "partners": rng.choice(("Caf, Ville", "École, bailleur social", "Département", "")),
                                    "theme_id": rng.choice(self.themes),
                                    "is_family": "amille" in a_title or "parents" in a_title,
                                    "starts_on": starts,
                                    "ends_on": ends,
                                },
                            )
                            self._indicator(pid, None, action_id, 0)
                            action_ids.append(action_id)
                            self._links(oid)
        self.w.flush()
        self._headcounts(action_ids[-20:])
        self._manual_figures()
        self._notifications()

    def _objective(self, oid, axis_id, parent_id, position, title) -> None:
        self.w.add(
            Objective,
            {
                "id": oid,
                "axis_id": axis_id,
                "parent_id": parent_id,
                "position": position,
                "title": title,
                "description": "",
            },
        )

    def _indicator(self, project_id, objective_id, action_id, position, qualitative=False) -> None:
        rng = self.rng
        code = None if qualitative else rng.choice(INDICATOR_METRICS)
        baseline = None if qualitative else Decimal(rng.randint(5, 200))
        self.w.add(
            Indicator,
            {
                "id": self.ids.take(Indicator),
                "project_id": project_id,
                "objective_id": objective_id,
                "action_id": action_id,
                "position": position,
                "title": "Paroles d'habitants recueillies" if qualitative else INDICATOR_TITLES[code],
                "kind": (IndicatorKind.QUALITATIVE if qualitative else IndicatorKind.QUANTITATIVE).value,
                "metric_code": code,
                "age_bracket": AgeBracket.YOUNG.value if code == "P3" and rng.random() < 0.5 else None,
                "baseline": baseline,
                "target": None if qualitative else (baseline * Decimal("1.3")).quantize(Decimal("1")),
                "evidence": "Verbatims recueillis lors des ateliers d'évaluation." if qualitative else "",
                "comment": "",
                "updated_at": self.clock.moment(),
            },
        )

    def _links(self, objective_id) -> None:
        rng = self.rng
        targets = [
            (LinkTarget.INITIATIVE, rng.choice(self.initiatives)[0]),
            (LinkTarget.INSTANCE, rng.choice(self.instance_specs)["id"]),
            (LinkTarget.MISSION, rng.choice(self.missions)[0]),
        ]
        for target_type, target_id in targets:
            if (objective_id, target_type, target_id) in self.links_done:
                continue
            self.links_done.add((objective_id, target_type, target_id))
            self.w.add(
                ObjectiveLink,
                {
                    "id": self.ids.take(ObjectiveLink),
                    "objective_id": objective_id,
                    "target_type": target_type.value,
                    "target_id": target_id,
                    "created_at": self.clock.moment(),
                },
            )

    def _headcounts(self, action_ids) -> None:
        rng, clock = self.rng, self.clock
        for _n in range(self.sizes.headcounts):
            label, is_event, (lo, hi), shares = rng.choice(HEADCOUNT_LABELS)
            total = rng.randint(lo, hi)
            brackets = [None] * 4
            if shares and rng.random() < 0.85:
                brackets = [int(total * s * rng.uniform(0.8, 1.0)) for s in shares]
            day = clock.day()
            self.w.add(
                HeadCount,
                {
                    "id": self.ids.take(HeadCount),
                    "structure_id": self.structure_id,
                    "occurred_on": day,
                    "label": label,
                    "total": total,
                    "under_11": brackets[0],
                    "age_11_25": brackets[1],
                    "age_26_59": brackets[2],
                    "age_60_plus": brackets[3],
                    "is_event": is_event,
                    "action_id": rng.choice(action_ids) if action_ids and not is_event and rng.random() < 0.6 else None,
                    "recorded_by_id": self.staff_id(),
                    "created_at": min(clock.at(day, 19), clock.now),
                },
            )

    def _manual_figures(self) -> None:
        """Figures the direction enters (staff, budget…), for the manual metrics the catalogue knows."""
        try:
            from app.evaluation.metrics import catalogue

            codes = [m.code for m in catalogue() if m.manual]
        except Exception:  # noqa: BLE001  (the catalogue is optional for the generator)
            codes = []
        rng, today = self.rng, self.clock.today
        for code in codes:
            for year in range(today.year - self.sizes.years, today.year):
                self.w.add(
                    ManualFigure,
                    {
                        "id": self.ids.take(ManualFigure),
                        "structure_id": self.structure_id,
                        "year": year,
                        "code": code,
                        "value": Decimal(rng.randint(5, 60)),
                        "note": "Saisi par la direction d'après le bilan annuel.",
                        "updated_by_id": self.direction_id,
                        "updated_at": self.clock.at(date(year + 1, 3, 15), 10),
                    },
                )

    def _notifications(self) -> None:
        rng, clock = self.rng, self.clock
        samples = (
            ("initiative.moderation", "Nouvelle initiative à relire : « {t} ».", "/initiatives/{i}"),
            (
                "volunteering.hours",
                "Des heures de bénévolat attendent votre validation.",
                "/benevolat/heures/a-valider",
            ),
            ("instance.opinion", "Avis reçu du comité d'usagers : « {t} ».", "/instances/"),
            ("meeting.minutes", "Compte rendu publié : {t}.", "/instances/"),
            ("volunteering.coordination", "Un créneau manque de bénévoles cette semaine.", "/benevolat/"),
        )
        for pid in self.staff_ids[:3]:
            for n in range(max(20, self.sizes.habitants // 12)):
                kind, message, url = rng.choice(samples)
                initiative = rng.choice(self.initiatives)
                when = clock.moment()
                self.w.add(
                    Notification,
                    {
                        "id": self.ids.take(Notification),
                        "user_id": pid,
                        "structure_id": self.structure_id,
                        "kind": kind,
                        "message": message.format(t="Projet d'habitants", i=initiative[0])[:500],
                        "url": url.format(i=initiative[0]),
                        "created_at": when,
                        "read_at": None if n % 16 == 0 else min(when + timedelta(hours=6), clock.now),
                    },
                )


def _decision_for(status: Status, rng: random.Random) -> Status:
    if status in (Status.ACCEPTED, Status.ACCEPTED_WITH_CONDITIONS, Status.DECLINED, Status.POSTPONED):
        return status
    return Status.ACCEPTED if rng.random() < 0.8 else Status.ACCEPTED_WITH_CONDITIONS


def _water_fill(total: int, weights: list[float], caps: list[int]) -> list[int]:
    """Split `total` in proportion to `weights`, none above its cap (the excess goes to the others)."""
    result = [0.0] * len(weights)
    open_ = [i for i in range(len(weights)) if caps[i] > 0]
    left = float(total)
    for _round in range(10):
        weight = sum(weights[i] for i in open_)
        if left < 1 or not open_ or weight <= 0:
            break
        still_open = []
        given = 0.0
        for i in open_:
            share = min(left * weights[i] / weight, caps[i] - result[i])
            result[i] += share
            given += share
            if result[i] < caps[i]:
                still_open.append(i)
        left -= given
        open_ = still_open
    return [round(x) for x in result]


def _group_by_value(counts: dict[int, int]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for key, value in counts.items():
        grouped.setdefault(value, []).append(key)
    return grouped


def _chunks(values: list, size: int):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _instance_specs(count: int, rng: random.Random, max_seats: int = 220) -> list[dict]:
    """The 40 instances of a large centre: the statutory bodies first, then commissions and collectifs."""
    hab, usr, ass, exo = "habitants", "usagers", "associations", "ex_officio"
    M = Office.MEMBER

    def slots(n, college=hab, offices=()):
        return [(college, offices[i] if i < len(offices) else M, True, False) for i in range(n)]

    chair = (Office.CHAIR, Office.VICE_CHAIR, Office.SECRETARY, Office.TREASURER)
    core = [
        {
            "name": "Assemblée générale",
            "type": InstanceType.GENERAL_ASSEMBLY,
            "nature": Nature.DECISION,
            "join": JoinPolicy.APPOINTED,
            "per_year": 1.0,
            "slots": slots(220),
            "mandate": 12,
            "quorum": QuorumBase.PRESENT_REPRESENTED,
            "proxies": 2,
            "voting": VotingMode.SECRET,
            "presence": 0.5,
            "motions": (3, 4),
            "motion_kind": MotionKind.DECISION,
            "hour": (10, 0),
            "duration": 180,
        },
        {
            "name": "Conseil d'administration",
            "type": InstanceType.BOARD,
            "nature": Nature.DECISION,
            "join": JoinPolicy.APPOINTED,
            "per_year": 10,
            "slots": slots(10, hab, chair) + slots(4, ass) + [(exo, M, False, True)] * 3,
            "mandate": 36,
            "quorum": QuorumBase.PRESENT_REPRESENTED,
            "proxies": 1,
            "voting": VotingMode.OPEN,
            "presence": 0.72,
            "motions": (1, 2, 3),
            "motion_kind": MotionKind.DECISION,
            "hour": (18, 30),
            "duration": 150,
        },
        {
            "name": "Bureau",
            "type": InstanceType.EXECUTIVE_COMMITTEE,
            "nature": Nature.DECISION,
            "join": JoinPolicy.APPOINTED,
            "per_year": 10,
            "slots": slots(6, hab, chair),
            "mandate": 12,
            "quorum": QuorumBase.PRESENT,
            "proxies": 0,
            "voting": VotingMode.OPEN,
            "presence": 0.8,
            "motions": (0, 1, 2),
            "motion_kind": MotionKind.DECISION,
            "hour": (18, 0),
            "duration": 90,
        },
        {
            "name": "Comité d'usagers",
            "type": InstanceType.USERS_COMMITTEE,
            "nature": Nature.ADVISORY,
            "join": JoinPolicy.OPEN,
            "per_year": 4,
            "slots": slots(28, usr),
            "mandate": None,
            "quorum": QuorumBase.NONE,
            "proxies": 0,
            "voting": VotingMode.OPEN,
            "presence": 0.55,
            "motions": (0, 1, 1),
            "motion_kind": MotionKind.OPINION,
            "hour": (18, 0),
            "duration": 120,
        },
        {
            "name": "Comité FPH",
            "type": InstanceType.GRANT_COMMITTEE,
            "nature": Nature.GRANT,
            "join": JoinPolicy.ON_REQUEST,
            "per_year": 6,
            "slots": slots(12),
            "mandate": 24,
            "quorum": QuorumBase.PRESENT,
            "proxies": 0,
            "voting": VotingMode.OPEN,
            "presence": 0.7,
            "motions": (0,),
            "motion_kind": MotionKind.DECISION,
            "hour": (18, 30),
            "duration": 120,
        },
        {
            "name": "Comité de pilotage du projet social",
            "type": InstanceType.STEERING_COMMITTEE,
            "nature": Nature.STEERING,
            "join": JoinPolicy.APPOINTED,
            "per_year": 3,
            "slots": slots(16),
            "mandate": None,
            "quorum": QuorumBase.NONE,
            "proxies": 0,
            "voting": VotingMode.OPEN,
            "presence": 0.65,
            "motions": (0, 1),
            "motion_kind": MotionKind.OPINION,
            "hour": (17, 30),
            "duration": 150,
        },
        {
            "name": "Conseil de maison",
            "type": InstanceType.HOUSE_COUNCIL,
            "nature": Nature.ADVISORY,
            "join": JoinPolicy.ON_REQUEST,
            "per_year": 4,
            "slots": slots(15),
            "mandate": None,
            "quorum": QuorumBase.NONE,
            "proxies": 0,
            "voting": VotingMode.OPEN,
            "presence": 0.6,
            "motions": (0, 1),
            "motion_kind": MotionKind.OPINION,
            "hour": (18, 0),
            "duration": 120,
        },
    ]
    commissions = (
        "jeunesse",
        "seniors",
        "familles",
        "cadre de vie",
        "culture et loisirs",
        "solidarité",
        "numérique",
        "alimentation durable",
        "sport et santé",
        "fêtes et événements",
        "communication",
        "accueil",
        "jardins",
        "mobilité",
        "égalité femmes-hommes",
    )
    groups = (
        "Collectif des locataires des Pâquerettes",
        "Collectif des locataires du Ponant",
        "Collectif Jardin des Bruyères",
        "Collectif Quartier propre",
        "Collectif des parents de l'école Jean-Moulin",
        "Collectif des jeunes de La Source",
        "Collectif Cuisine du monde",
        "Collectif Couture et tricot",
        "Collectif Vélo pour tous",
        "Amicale des seniors",
        "Collectif Fête de quartier",
        "Collectif Repair café",
        "Collectif des habitants de Champ-Fleuri",
        "Collectif Lecture et contes",
        "Collectif Musique",
        "Collectif des parents de l'école Marie-Curie",
        "Collectif Jardin de la gare",
        "Collectif Troc et partage",
    )
    others = []
    for name in commissions:
        others.append(
            {
                "name": f"Commission {name}",
                "type": InstanceType.COMMISSION,
                "nature": Nature.ADVISORY,
                "join": JoinPolicy.OPEN if rng.random() < 0.5 else JoinPolicy.ON_REQUEST,
                "per_year": 5,
                "slots": slots(rng.randint(8, 20)),
                "mandate": None,
                "quorum": QuorumBase.NONE,
                "proxies": 0,
                "voting": VotingMode.OPEN,
                "presence": 0.6,
                "motions": (0, 0, 1),
                "motion_kind": MotionKind.OPINION,
                "hour": (18, 0),
                "duration": 105,
            }
        )
    for name in groups:
        others.append(
            {
                "name": name,
                "type": InstanceType.RESIDENTS_GROUP,
                "nature": Nature.ADVISORY,
                "join": JoinPolicy.OPEN,
                "per_year": 4,
                "slots": slots(rng.randint(6, 22)),
                "mandate": None,
                "quorum": QuorumBase.NONE,
                "proxies": 0,
                "voting": VotingMode.OPEN,
                "presence": 0.55,
                "motions": (0, 0, 1),
                "motion_kind": MotionKind.PROPOSAL,
                "hour": (18, 30),
                "duration": 90,
            }
        )
    specs = core + others[: max(0, count - len(core))]
    for spec in specs:
        if len(spec["slots"]) > max_seats:
            spec["slots"] = spec["slots"][:max_seats]
        spec["core"] = spec in core
        spec["public"] = spec["type"] not in (InstanceType.EXECUTIVE_COMMITTEE,)
        spec["source"] = RulesSource.STATUTES if spec["type"].is_governance else RulesSource.CHARTER
        spec["notice"] = 15 if spec["type"] == InstanceType.GENERAL_ASSEMBLY else 7
        spec["description"] = f"{spec['name']} du centre social : ouverte aux habitants selon ses règles."
        spec["meeting_title"] = (
            "Assemblée générale du {date}"
            if spec["type"] == InstanceType.GENERAL_ASSEMBLY
            else "Réunion n°{n} du {date}"
        )
        colleges = Counter(s[0] for s in spec["slots"])
        labels = {
            "habitants": "Habitants",
            "usagers": "Usagers",
            "associations": "Associations",
            "ex_officio": "Membres de droit",
        }
        spec["colleges"] = [{"code": c, "label": labels[c], "seats": n} for c, n in colleges.items()]
    return specs


# --- entry point -----------------------------------------------------------------------------------


def centre_names(count: int) -> list[tuple[str, str, int]]:
    """(name, city, département) of the first `count` centres: the large centre first."""
    result = []
    for i in range(count):
        city, dept = CITIES[i % len(CITIES)]
        base = CENTRE_NAMES[i % len(CENTRE_NAMES)]
        name = base if i == 0 else f"{base} ({city})"
        if i >= len(CITIES):
            name = f"{name} {i // len(CITIES) + 1}"
        result.append((name, city, dept))
    return result


def generate(
    centres: int = 1,
    *,
    scale: float = 1.0,
    sizes: Sizes = LARGE,
    seed: int = 2026,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
    commit_each: bool = True,
) -> Report:
    """Write `centres` generated centres (the first is the "large centre"), each `scale` times the
    reference volumes. Refuses (BenchDataExists) if one of their names is already taken; otherwise
    commits after each centre when `commit_each` (the caller commits the last one otherwise).
    """
    from app.accounts.passwords import hash_password
    from app.timeutil import local_today

    names = centre_names(centres)
    taken = set(db.session.scalars(sa.select(Structure.name).where(Structure.name.in_([n for n, _c, _d in names]))))
    if taken:
        raise BenchDataExists(", ".join(sorted(taken)))
    say = progress or (lambda _message: None)
    started = timer.perf_counter()
    report = Report()
    sizes = sizes.scaled(scale)
    password_hash = hash_password(BENCH_PASSWORD)
    usernames = set(db.session.scalars(sa.select(User.username)))
    ids = _Ids()
    today = today or local_today()
    for number, (name, city, dept) in enumerate(names, start=1):
        t0 = timer.perf_counter()
        rng = random.Random(seed * 1000 + number)
        clock = _Clock(rng, today, sizes.years)
        writer = _Writer()
        centre = _Centre(number, name, city, dept, sizes, rng, clock, ids, writer, password_hash, usernames, report)
        centre.run()
        writer.flush()
        t_months = timer.perf_counter()
        months.rebuild(db.session, centre.structure_id)
        key = "résumé mensuel du journal"
        report.timings[key] = report.timings.get(key, 0.0) + timer.perf_counter() - t_months
        if db.session.get_bind().dialect.name == "postgresql":
            _reset_sequences(writer.counts)
        if commit_each:
            db.session.commit()
        report.centres.append(name)
        report.rows.update(writer.counts)
        elapsed = timer.perf_counter() - t0
        say(
            f"[{number}/{centres}] {name} : {_n(sum(writer.counts.values()))} lignes dont "
            f"{_n(writer.counts['ledger_entry'])} au journal de participation, en {elapsed:.1f} s "
            f"(total {timer.perf_counter() - started:.0f} s)"
        )
    if centres > 1:
        _platform_admin(ids, password_hash, usernames, report)
        if db.session.get_bind().dialect.name == "postgresql":
            _reset_sequences(Counter({"user": 1}))
        if commit_each:
            db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        # What autovacuum would soon do: planner statistics for the new rows and, when the rows are
        # committed, the visibility map that lets covering indexes answer alone (not on SQLite, where
        # nothing runs ANALYZE by itself either).
        started_analyze = timer.perf_counter()
        if commit_each:
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM (ANALYZE)")
        else:
            db.session.execute(sa.text("ANALYZE"))
        report.timings["analyse"] = timer.perf_counter() - started_analyze
    report.timings["total"] = timer.perf_counter() - started
    return report


def _platform_admin(ids: _Ids, password_hash: str, usernames: set[str], report: Report) -> None:
    """A federation gets one platform administrator, who sees every centre (once per database)."""
    username = "plateforme.bench"
    if username in usernames:
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    db.session.execute(
        sa.insert(User.__table__).values(
            id=ids.take(User),
            display_name="Fédération (administration)",
            username=username,
            email="plateforme@bench.test",
            email_confirmed_at=now,
            password_hash=password_hash,
            is_platform_admin=True,
            created_via="seed",
            created_at=now,
        )
    )
    usernames.add(username)
    report.logins.append((username, "Administration de la plateforme"))


def _n(value: int) -> str:
    """12 345 (French thousands separator)."""
    return f"{value:,}".replace(",", "\u202f")


def _reset_sequences(counts: Counter) -> None:
    """PostgreSQL: ids were given here, so move each table's sequence past them."""
    for name in counts:
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "  # noqa: S608  (our table names)
                f'(SELECT COALESCE(MAX(id), 1) FROM "{name}"))'
            )
        )
