"""Instances, their versioned rules, and membership (seats): one service per verb.

Services flush; the route commits. A seat that becomes active writes its ledger row in the same
transaction (kind `instance.seat`, level L4 advisory / L5 decision, domain.md §3.2).

Creating and changing an instance:
- `create_instance(structure, fields, rules=None, *, by)` — `fields`: name, instance_type, nature,
  description, is_public, join_policy, reports_to_id; `rules`: `InstanceRules` field values, the
  defaults of the type (`default_rules`) fill in what is missing. Version 1 of the rules.
- `update_instance(instance, fields, *, by)` — the same `fields`, any subset.
- `update_rules(instance, fields, *, by)` — writes a NEW `InstanceRules` version when something
  changed (meetings and motions keep the version they were held under); returns the rules in force.
- `archive_instance(instance, *, by)` / `restore_instance(instance, *, by)`.

Membership:
- `request_seat(instance, person, message="", *, by)` — "Rejoindre": an active seat at once for an
  open instance, else a request (also for an under-16 joining a decision body without authorisation).
- `cancel_request(seat, *, by)` — the person withdraws their request.
- `accept_seat(seat, *, college, office, has_vote, ex_officio, start_date, end_date,
  parental_authorisation_at, by)` / `decline_seat(seat, *, by)` — answer a request.
- `add_member(instance, person, *, <same terms>, by)` — staff seat a person directly.
- `update_seat(seat, *, <same terms>, by)` — change a current seat's collège, office, mandate…
- `end_seat(seat, reason, *, by)` — leave, end of mandate, removal; the seat is kept as history.
- `leave_instance(instance, person, *, by)` — the person's own "Quitter l'instance".

Every refusal raises `InstanceError` with a French message meant for the person.
"""

import re
import unicodedata
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from app.accounts.models import AgeBracket, User
from app.audit import log_event
from app.centres.models import Membership, Role, Structure
from app.extensions import db
from app.instances.models import (
    EndReason,
    Instance,
    InstanceRules,
    InstanceType,
    JoinPolicy,
    Majority,
    Nature,
    Office,
    QuorumBase,
    RulesSource,
    Seat,
    SeatStatus,
    VotingMode,
)
from app.ledger.services import record_participation
from app.notifications.services import notify, register_kind
from app.timeutil import local_today, utcnow

register_kind("instance.membership", _l("Instances : demandes pour rejoindre une instance et leurs réponses"))

#: Age under which a seat on a decision body needs a recorded parental authorisation (domain.md §10).
PARENTAL_AUTHORISATION_AGE = 16

#: Fields of `Instance` a form may set.
INSTANCE_FIELDS = ("name", "instance_type", "nature", "description", "is_public", "join_policy", "reports_to_id")

#: Fields of `InstanceRules` a form may set (everything but the version bookkeeping).
RULES_FIELDS = (
    "source",
    "colleges",
    "mandate_months",
    "notice_days",
    "quorum_base",
    "quorum_is_percent",
    "quorum_threshold",
    "second_call_without_quorum",
    "majority",
    "qualified_num",
    "qualified_den",
    "abstentions_counted",
    "chair_casting_vote",
    "proxies_allowed",
    "proxies_max",
    "voting_mode",
    "minutes_deadline_days",
    "excluded_topics",
)


class InstanceError(Exception):
    """A rule refused the action; the message is shown to the person.

    `field` names the form field the message belongs next to, when there is one.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class AlreadyAnswered(InstanceError):
    """The request was answered (or the seat ended) in the meantime, e.g. by another person."""


# --- defaults per type ------------------------------------------------------------------------


def _college(label: str, seats: int | None, code: str | None = None) -> dict:
    return {"code": code or college_code(label), "label": label, "seats": seats}


#: Nature and join policy a new instance of each type starts with.
TYPE_DEFAULTS: dict[InstanceType, dict] = {
    InstanceType.GENERAL_ASSEMBLY: {"nature": Nature.DECISION, "join_policy": JoinPolicy.OPEN},
    InstanceType.BOARD: {"nature": Nature.DECISION, "join_policy": JoinPolicy.APPOINTED},
    InstanceType.EXECUTIVE_COMMITTEE: {"nature": Nature.DECISION, "join_policy": JoinPolicy.APPOINTED},
    InstanceType.USERS_COMMITTEE: {"nature": Nature.ADVISORY, "join_policy": JoinPolicy.OPEN},
    InstanceType.COMMISSION: {"nature": Nature.ADVISORY, "join_policy": JoinPolicy.OPEN},
    InstanceType.HOUSE_COUNCIL: {"nature": Nature.ADVISORY, "join_policy": JoinPolicy.ON_REQUEST},
    InstanceType.STEERING_COMMITTEE: {"nature": Nature.STEERING, "join_policy": JoinPolicy.ON_REQUEST},
    InstanceType.GRANT_COMMITTEE: {"nature": Nature.GRANT, "join_policy": JoinPolicy.ON_REQUEST},
    InstanceType.RESIDENTS_GROUP: {"nature": Nature.ADVISORY, "join_policy": JoinPolicy.OPEN},
}

#: Rules of an advisory body: no quorum, simple majority, show of hands.
_ADVISORY = {
    "source": RulesSource.CHARTER,
    "mandate_months": 12,
    "notice_days": 7,
    "quorum_base": QuorumBase.NONE,
    "quorum_is_percent": True,
    "quorum_threshold": 50,
    "second_call_without_quorum": True,
    "majority": Majority.SIMPLE,
    "qualified_num": 2,
    "qualified_den": 3,
    "abstentions_counted": False,
    "chair_casting_vote": False,
    "proxies_allowed": False,
    "proxies_max": 1,
    "voting_mode": VotingMode.OPEN,
    "minutes_deadline_days": 30,
    "excluded_topics": "",
}

#: Rules of a decision body of the association: statutes, quorum of half the members, proxies.
_DECISION = {
    **_ADVISORY,
    "source": RulesSource.STATUTES,
    "mandate_months": 36,
    "notice_days": 15,
    "quorum_base": QuorumBase.PRESENT_REPRESENTED,
    "quorum_threshold": 50,
    "chair_casting_vote": True,
    "proxies_allowed": True,
    "proxies_max": 1,
}


def _rules_defaults() -> dict[InstanceType, dict]:
    return {
        InstanceType.GENERAL_ASSEMBLY: {
            **_DECISION,
            "colleges": [_college(_("Adhérents"), None, "adherents")],
            "mandate_months": None,
            "quorum_threshold": 25,
            "chair_casting_vote": False,
            "proxies_max": 2,
            "minutes_deadline_days": 30,
        },
        InstanceType.BOARD: {
            **_DECISION,
            "colleges": [
                _college(_("Habitants élus"), 9, "habitants"),
                _college(_("Associations"), 3, "associations"),
                _college(_("Membres de droit"), 3, "ex_officio"),
            ],
        },
        InstanceType.EXECUTIVE_COMMITTEE: {
            **_DECISION,
            "colleges": [_college(_("Administrateurs"), 5, "administrateurs")],
            "mandate_months": 12,
            "notice_days": 7,
            "quorum_base": QuorumBase.PRESENT,
            "proxies_allowed": False,
        },
        InstanceType.USERS_COMMITTEE: {
            **_ADVISORY,
            "colleges": [
                _college(_("Usagers"), 8, "usagers"),
                _college(_("Habitants"), 4, "habitants"),
                _college(_("Associations"), 2, "associations"),
                _college(_("Salariés"), 2, "salaries"),
            ],
            "excluded_topics": _("Budget et ressources humaines"),
        },
        InstanceType.COMMISSION: {
            **_ADVISORY,
            "colleges": [_college(_("Habitants"), 12, "habitants")],
            "mandate_months": None,
        },
        InstanceType.HOUSE_COUNCIL: {
            **_ADVISORY,
            "colleges": [
                _college(_("Habitants"), 8, "habitants"),
                _college(_("Administrateurs"), 2, "administrateurs"),
                _college(_("Salariés"), 2, "salaries"),
            ],
        },
        InstanceType.STEERING_COMMITTEE: {
            **_ADVISORY,
            "source": RulesSource.INTERNAL_RULES,
            "colleges": [
                _college(_("Habitants"), 6, "habitants"),
                _college(_("Partenaires"), 4, "partenaires"),
                _college(_("Salariés"), 2, "salaries"),
            ],
            "mandate_months": 48,
            "notice_days": 15,
        },
        InstanceType.GRANT_COMMITTEE: {
            **_ADVISORY,
            "source": RulesSource.INTERNAL_RULES,
            "colleges": [
                _college(_("Habitants"), 6, "habitants"),
                _college(_("Associations"), 2, "associations"),
                _college(_("Partenaires"), 2, "partenaires"),
            ],
            "notice_days": 10,
            "quorum_base": QuorumBase.PRESENT,
            "quorum_threshold": 50,
            "second_call_without_quorum": False,
            "excluded_topics": _("Projets portés par un membre du comité (il ne prend pas part au vote)"),
        },
        InstanceType.RESIDENTS_GROUP: {
            **_ADVISORY,
            "source": RulesSource.NONE,
            "colleges": [_college(_("Habitants"), None, "habitants")],
            "mandate_months": None,
        },
    }


def default_rules(instance_type: InstanceType | str) -> dict:
    """The rules a new instance of this type starts with (a fresh dict the caller may change)."""
    rules = _rules_defaults()[InstanceType(instance_type)]
    return {**rules, "colleges": [dict(c) for c in rules["colleges"]]}


def default_fields(instance_type: InstanceType | str) -> dict:
    """Nature, join policy and name a new instance of this type starts with."""
    kind = InstanceType(instance_type)
    return {"instance_type": kind, "name": kind.label, "is_public": True, **TYPE_DEFAULTS[kind]}


# --- collèges -----------------------------------------------------------------------------------

_LINE = re.compile(r"^(?P<label>[^:]+?)\s*(?::\s*(?P<seats>.*?))?\s*$")


def college_code(label: str) -> str:
    """A stable code for a collège label: "Salariés" → "salaries", "Membres de droit" → "membres_de_droit"."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")[:32] or "college"


def parse_colleges(text: str, previous: list[dict] | None = None) -> list[dict]:
    """Read one collège per line, "Habitants : 8" (or "Adhérents" with no fixed number of seats).

    A label already known in `previous` keeps its code, so existing seats stay in their collège.
    :raise InstanceError: on a line that cannot be read, with its number.
    """
    known = {c["label"].strip().lower(): c["code"] for c in previous or []}
    colleges: list[dict] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        label = match.group("label").strip() if match else ""
        seats_text = (match.group("seats") or "").strip() if match else ""
        if not label or len(label) > 60:
            raise InstanceError(
                _(
                    "Ligne %(n)d : écrivez le nom du collège puis le nombre de sièges, par exemple « Habitants : 8 ».",
                    n=number,
                )
            )
        seats = None
        if match.group("seats") is not None:
            if not seats_text.isdigit() or not 1 <= int(seats_text) <= 999:
                raise InstanceError(
                    _(
                        "Ligne %(n)d : « %(value)s » n'est pas un nombre de sièges (un nombre entre 1 et 999, "
                        "par exemple « Habitants : 8 »).",
                        n=number,
                        value=seats_text,
                    )
                )
            seats = int(seats_text)
        code = known.get(label.lower()) or college_code(label)
        if any(c["code"] == code for c in colleges):
            raise InstanceError(
                _("Ligne %(n)d : le collège « %(label)s » est déjà dans la liste.", n=number, label=label)
            )
        colleges.append({"code": code, "label": label, "seats": seats})
    if len(colleges) > 12:
        raise InstanceError(_("Douze collèges au plus."))
    return colleges


def format_colleges(colleges: list[dict]) -> str:
    """The collèges as the form shows them, one per line."""
    return "\n".join(c["label"] if c.get("seats") is None else f"{c['label']} : {c['seats']}" for c in colleges or [])


def college_choices(rules: InstanceRules | None) -> list[tuple[str, str]]:
    """(code, label) of the collèges of the rules, or one "Habitants" collège when none is defined."""
    colleges = rules.colleges if rules is not None and rules.colleges else []
    return [(c["code"], c["label"]) for c in colleges] or [("habitants", _("Habitants"))]


def college_label(rules: InstanceRules | None, code: str) -> str:
    """The label of a collège code (the code itself when the rules no longer have it)."""
    return dict(college_choices(rules)).get(code, code)


# --- reading the rules in plain French ----------------------------------------------------------


def _fraction_words(num: int, den: int) -> str:
    words = {(1, 2): _("la moitié"), (1, 3): _("le tiers"), (2, 3): _("les deux tiers"), (1, 4): _("le quart")}
    words[(3, 4)] = _("les trois quarts")
    words[(3, 5)] = _("les trois cinquièmes")
    return words.get((num, den)) or _("%(num)d/%(den)d", num=num, den=den)


def _percent_words(percent: int) -> str:
    words = {50: _("la moitié"), 25: _("le quart"), 75: _("les trois quarts"), 100: _("la totalité")}
    if percent in words:
        return words[percent]
    if percent in (33, 34):
        return _("le tiers")
    if percent in (66, 67):
        return _("les deux tiers")
    return _("%(percent)d %%", percent=percent)


def describe_rules(rules: InstanceRules, instance: Instance | None = None) -> list[tuple[str, str]]:
    """The rules as (topic, sentence) pairs in plain French, for members and visitors."""
    lines: list[tuple[str, str]] = []
    source = {
        RulesSource.STATUTES: _("Ces règles viennent des statuts de l'association."),
        RulesSource.INTERNAL_RULES: _("Ces règles viennent du règlement intérieur."),
        RulesSource.CHARTER: _("Ces règles viennent de la charte de l'instance."),
        RulesSource.NONE: _("Ces règles ne sont écrites dans aucun texte officiel : l'instance les a choisies."),
    }[rules.source]
    lines.append((_("Texte de référence"), source))

    if rules.colleges:
        parts = [
            c["label"]
            if c.get("seats") is None
            else ngettext("%(label)s : %(num)d siège", "%(label)s : %(num)d sièges", c["seats"], label=c["label"])
            for c in rules.colleges
        ]
        total = sum(c["seats"] for c in rules.colleges if c.get("seats"))
        text = " ; ".join(parts) + "."
        if total and all(c.get("seats") for c in rules.colleges):
            text += " " + ngettext("%(num)d siège en tout.", "%(num)d sièges en tout.", total)
        lines.append((_("Composition"), text))

    if rules.mandate_months:
        if rules.mandate_months % 12 == 0:
            years = rules.mandate_months // 12
            text = ngettext("Les mandats durent %(num)d an.", "Les mandats durent %(num)d ans.", years)
        else:
            text = ngettext(
                "Les mandats durent %(num)d mois.", "Les mandats durent %(num)d mois.", rules.mandate_months
            )
    else:
        text = _("Les mandats n'ont pas de durée fixe.")
    lines.append((_("Mandats"), text))

    if rules.notice_days:
        text = ngettext(
            "Les membres sont convoqués au moins %(num)d jour avant chaque réunion.",
            "Les membres sont convoqués au moins %(num)d jours avant chaque réunion.",
            rules.notice_days,
        )
    else:
        text = _("Aucun délai de convocation n'est fixé.")
    lines.append((_("Convocation"), text))

    lines.append((_("Quorum"), describe_quorum(rules)))

    majority = {
        Majority.SIMPLE: _("Une décision est adoptée quand elle recueille plus de voix pour que de voix contre."),
        Majority.ABSOLUTE: _("Une décision est adoptée quand elle recueille plus de la moitié des voix exprimées."),
        Majority.QUALIFIED: _(
            "Une décision est adoptée quand elle recueille au moins %(fraction)s des voix exprimées.",
            fraction=_fraction_words(rules.qualified_num, rules.qualified_den),
        ),
    }[rules.majority]
    if rules.abstentions_counted:
        majority += " " + _("Les abstentions comptent parmi les voix exprimées : elles pèsent comme un vote contre.")
    else:
        majority += " " + _("Les abstentions ne comptent pas.")
    if rules.chair_casting_vote:
        majority += " " + _("En cas d'égalité, la voix de la présidence est prépondérante.")
    else:
        majority += " " + _("En cas d'égalité, la proposition est rejetée.")
    lines.append((_("Majorité"), majority))

    if rules.proxies_allowed:
        text = ngettext(
            "Un membre absent peut donner pouvoir à un autre membre ; chacun porte %(num)d pouvoir au plus.",
            "Un membre absent peut donner pouvoir à un autre membre ; chacun porte %(num)d pouvoirs au plus.",
            rules.proxies_max,
        )
    else:
        text = _("Les pouvoirs (procurations) ne sont pas admis.")
    lines.append((_("Pouvoirs"), text))

    lines.append(
        (
            _("Vote"),
            _("Les votes ont lieu à bulletin secret.")
            if rules.voting_mode == VotingMode.SECRET
            else _("Les votes ont lieu à main levée."),
        )
    )
    lines.append(
        (
            _("Compte-rendu"),
            ngettext(
                "Le compte-rendu est publié au plus tard %(num)d jour après la réunion.",
                "Le compte-rendu est publié au plus tard %(num)d jours après la réunion.",
                rules.minutes_deadline_days,
            ),
        )
    )
    if rules.excluded_topics:
        lines.append((_("Hors du champ"), _("L'instance ne décide pas de : %(topics)s.", topics=rules.excluded_topics)))
    if instance is not None and instance.nature == Nature.ADVISORY:
        lines.append(
            (
                _("Portée"),
                _("L'instance est consultative : elle donne des avis et fait des propositions, sans décider."),
            )
        )
    return lines


def describe_quorum(rules: InstanceRules) -> str:
    """The quorum rule in one or two sentences."""
    if rules.quorum_base == QuorumBase.NONE:
        return _("Pas de quorum : l'instance délibère quel que soit le nombre de membres présents.")
    who = _("présents ou représentés") if rules.quorum_base == QuorumBase.PRESENT_REPRESENTED else _("présents")
    if rules.quorum_is_percent:
        text = _(
            "Quorum : %(share)s des membres ayant voix délibérative, %(who)s.",
            share=_percent_words(rules.quorum_threshold),
            who=who,
        )
    else:
        text = ngettext(
            "Quorum : %(num)d membre ayant voix délibérative, %(who)s.",
            "Quorum : %(num)d membres ayant voix délibérative, %(who)s.",
            rules.quorum_threshold,
            who=who,
        )
    if rules.second_call_without_quorum:
        text += " " + _("En seconde convocation, l'instance délibère sans quorum.")
    else:
        text += " " + _("Le quorum s'applique aussi en seconde convocation.")
    return text


# --- instances -----------------------------------------------------------------------------------


def _clean(value):
    return value.strip() if isinstance(value, str) else value


def _check_reports_to(instance: Instance, reports_to_id: int | None) -> None:
    if reports_to_id is None:
        return
    target = db.session.get(Instance, reports_to_id)
    if target is None or target.structure_id != instance.structure_id or target.archived_at is not None:
        raise InstanceError(_("Choisissez une instance de décision du centre."), "reports_to")
    if target.id == instance.id:
        raise InstanceError(_("Une instance ne peut pas rendre ses avis à elle-même."), "reports_to")


def _apply_fields(instance: Instance, fields: dict) -> list[str]:
    changed = []
    for name in INSTANCE_FIELDS:
        if name not in fields:
            continue
        value = _clean(fields[name])
        if name == "instance_type":
            value = InstanceType(value)
        elif name == "nature":
            value = Nature(value)
        elif name == "join_policy":
            value = JoinPolicy(value)
        elif name == "description":
            value = value or ""
        elif name == "is_public":
            value = bool(value)
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    if not instance.name:
        raise InstanceError(_("Donnez un nom à l'instance."))
    return changed


def _name_taken(structure_id: int, name: str, except_id: int | None = None) -> bool:
    query = sa.select(Instance.id).where(
        Instance.structure_id == structure_id, sa.func.lower(Instance.name) == name.strip().lower()
    )
    if except_id is not None:
        query = query.where(Instance.id != except_id)
    return db.session.scalar(query) is not None


def _rules_values(fields: dict, base: dict) -> dict:
    values = dict(base)
    for name in RULES_FIELDS:
        if name in fields:
            values[name] = _clean(fields[name])
    values["excluded_topics"] = values.get("excluded_topics") or ""
    values["colleges"] = [dict(c) for c in values.get("colleges") or []]
    if not values.get("quorum_is_percent", True):
        values["quorum_threshold"] = max(int(values.get("quorum_threshold") or 0), 0)
    if values.get("quorum_is_percent", True) and int(values.get("quorum_threshold") or 0) > 100:
        raise InstanceError(_("Un quorum en pourcentage ne peut pas dépasser 100 %."), "quorum_threshold")
    num, den = int(values.get("qualified_num") or 2), int(values.get("qualified_den") or 3)
    if not 0 < num <= den:
        raise InstanceError(
            _("La majorité qualifiée doit être une fraction comme 2/3 (entre 0 et 1)."), "qualified_den"
        )
    for enum_name, enum_class in (
        ("source", RulesSource),
        ("quorum_base", QuorumBase),
        ("majority", Majority),
        ("voting_mode", VotingMode),
    ):
        values[enum_name] = enum_class(values[enum_name])
    return values


def create_instance(structure: Structure, fields: dict, rules: dict | None = None, *, by: User) -> Instance:
    """Create an instance with version 1 of its rules (type defaults fill in the missing values).

    :param fields: name, instance_type (required), nature, description, is_public, join_policy,
        reports_to_id; nature and join policy default from the type.
    :param rules: `InstanceRules` values (colleges as a list of {code, label, seats}).
    """
    kind = InstanceType(fields["instance_type"])
    instance = Instance(structure_id=structure.id, description="")
    _apply_fields(instance, {**default_fields(kind), **fields})
    if _name_taken(structure.id, instance.name):
        raise InstanceError(_("Une instance porte déjà ce nom dans le centre."))
    _check_reports_to(instance, instance.reports_to_id)
    values = _rules_values(rules or {}, default_rules(kind))
    instance.rules_versions.append(InstanceRules(version=1, created_by_id=by.id, **values))
    db.session.add(instance)
    db.session.flush()
    log_event("instance_created", actor=by, structure_id=structure.id, target=instance, type=kind.value)
    return instance


def update_instance(instance: Instance, fields: dict, *, by: User) -> Instance:
    """Change the instance's name, type, nature, description, visibility, join policy, reports_to."""
    if "name" in fields and _name_taken(instance.structure_id, fields["name"] or "", instance.id):
        raise InstanceError(_("Une instance porte déjà ce nom dans le centre."))
    if "reports_to_id" in fields:
        _check_reports_to(instance, fields["reports_to_id"])
    changed = _apply_fields(instance, fields)
    db.session.flush()
    if changed:
        log_event("instance_updated", actor=by, structure_id=instance.structure_id, target=instance, fields=changed)
    return instance


def _rules_as_dict(rules: InstanceRules) -> dict:
    return {name: getattr(rules, name) for name in RULES_FIELDS}


def update_rules(instance: Instance, fields: dict, *, by: User) -> InstanceRules:
    """Write a new version of the rules when `fields` change something; return the rules in force.

    The previous version is never modified: meetings and motions keep the version they were held under.
    """
    current = instance.rules
    base = _rules_as_dict(current) if current is not None else default_rules(instance.instance_type)
    values = _rules_values(fields, base)
    if current is not None and values == _rules_as_dict(current):
        return current
    version = (
        db.session.scalar(sa.select(sa.func.max(InstanceRules.version)).where(InstanceRules.instance_id == instance.id))
        or 0
    ) + 1
    rules = InstanceRules(instance_id=instance.id, version=version, created_by_id=by.id, **values)
    db.session.add(rules)
    db.session.flush()
    db.session.expire(instance, ["rules_versions"])
    changed = sorted(name for name in RULES_FIELDS if current is None or values[name] != getattr(current, name))
    log_event(
        "instance_rules_changed",
        actor=by,
        structure_id=instance.structure_id,
        target=instance,
        version=version,
        fields=changed,
    )
    return rules


def archive_instance(instance: Instance, *, by: User) -> Instance:
    """Archive an instance that no longer meets: hidden from lists, history kept."""
    if instance.archived_at is not None:
        raise InstanceError(_("Cette instance est déjà archivée."))
    instance.archived_at = utcnow()
    db.session.flush()
    log_event("instance_archived", actor=by, structure_id=instance.structure_id, target=instance)
    return instance


def restore_instance(instance: Instance, *, by: User) -> Instance:
    """Bring an archived instance back."""
    if instance.archived_at is None:
        raise InstanceError(_("Cette instance n'est pas archivée."))
    instance.archived_at = None
    db.session.flush()
    log_event("instance_restored", actor=by, structure_id=instance.structure_id, target=instance)
    return instance


# --- membership: helpers -------------------------------------------------------------------------


def is_decision_body(instance: Instance) -> bool:
    """Decision or grant bodies, and the association's governance bodies (AG, CA, bureau)."""
    return instance.nature in {Nature.DECISION, Nature.GRANT} or instance.instance_type.is_governance


def is_under_authorisation_age(person: User, on: date | None = None) -> bool:
    """Under 16 (by birth year), or, without a birth year, an age bracket that may be under 16."""
    year = (on or local_today()).year
    age = person.age_in(year)
    if age is not None:
        return age < PARENTAL_AUTHORISATION_AGE
    return person.age_bracket in {AgeBracket.CHILD, AgeBracket.TEEN}


def needs_parental_authorisation(instance: Instance, person: User, on: date | None = None) -> bool:
    """A person under 16 on a decision body needs a recorded parental authorisation."""
    return is_decision_body(instance) and is_under_authorisation_age(person, on)


def current_seat(instance: Instance, person) -> Seat | None:
    """The person's requested or active seat in the instance, if any."""
    if not getattr(person, "is_authenticated", True) or getattr(person, "id", None) is None:
        return None
    return db.session.scalar(
        sa.select(Seat).where(
            Seat.instance_id == instance.id,
            Seat.person_id == person.id,
            Seat.status.in_([SeatStatus.REQUESTED, SeatStatus.ACTIVE]),
        )
    )


def default_end_date(rules: InstanceRules | None, start: date) -> date | None:
    """Start + the rules' mandate length (None when mandates have no fixed term)."""
    if rules is None or not rules.mandate_months:
        return None
    month = start.month - 1 + rules.mandate_months
    year, month = start.year + month // 12, month % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day) - timedelta(days=1)
        except ValueError:
            continue
    return None  # pragma: no cover


def staff_of(structure_id: int) -> list[User]:
    """Active staff and admins of the structure."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.structure_id == structure_id, Membership.role >= Role.STAFF)
        )
    )


def membership_deciders(instance: Instance) -> list[User]:
    """Who answers join requests: the chair and vice-chair, and the structure's staff."""
    chairs = db.session.scalars(
        sa.select(User)
        .join(Seat, Seat.person_id == User.id)
        .where(
            Seat.instance_id == instance.id,
            Seat.status == SeatStatus.ACTIVE,
            Seat.office.in_([Office.CHAIR, Office.VICE_CHAIR]),
        )
    )
    people: dict[int, User] = {}
    for person in [*chairs, *staff_of(instance.structure_id)]:
        people.setdefault(person.id, person)
    return list(people.values())


def _members_url(instance: Instance) -> str:
    return f"/instances/{instance.id}/membres"


def _detail_url(instance: Instance) -> str:
    return f"/instances/{instance.id}"


def _record_seat(seat: Seat, instance: Instance, person: User, by: User) -> None:
    """The ledger row of a seat that became active (ex officio seats are kept, never counted)."""
    start = seat.start_date or local_today()
    now = utcnow()
    occurred = min(now, datetime.combine(start, time(12)))
    record_participation(
        person,
        structure_id=instance.structure_id,
        kind="instance.seat",
        level=instance.nature.level,
        obj=seat,
        occurred_at=occurred,
        recorded_by=by,
        as_staff=True if seat.ex_officio else None,
    )


def _insert_seat(seat: Seat) -> bool:
    """Insert in a savepoint: False when the person already has a current seat (uq_seat_current)."""
    try:
        with db.session.begin_nested():
            db.session.add(seat)
            db.session.flush()
    except IntegrityError:
        return False
    return True


#: The form field a parental authorisation message belongs to.
FIELD_AUTH = "parental_authorisation_at"


def _check_terms(instance: Instance, person: User, terms: dict, *, by: User, keep_college: str | None = None) -> dict:
    """Validate and complete seat terms (collège, office, dates, authorisation).

    `keep_college`: a collège code the seat already has, accepted even if the rules dropped it.
    """
    rules = instance.rules
    start = terms.get("start_date") or local_today()
    end = terms.get("end_date", "default")
    if end == "default":
        end = default_end_date(rules, start)
    if end is not None and end < start:
        raise InstanceError(_("La fin du mandat doit venir après son début."), "end_date")
    choices = dict(college_choices(rules))
    college = terms.get("college") or next(iter(choices))
    if college not in choices and college != keep_college:
        raise InstanceError(_("Choisissez un des collèges de l'instance."), "college")
    office = Office(terms.get("office") or Office.MEMBER)
    authorisation = terms.get(FIELD_AUTH)
    if authorisation is not None and authorisation > local_today():
        raise InstanceError(_("La date de l'autorisation parentale ne peut pas être dans le futur."), FIELD_AUTH)
    staff = by.has_role(instance.structure_id, Role.STAFF)
    if needs_parental_authorisation(instance, person, start) and authorisation is None:
        if not staff:
            raise InstanceError(
                _(
                    "%(name)s a moins de 16 ans : pour siéger dans une instance de décision, il faut une "
                    "autorisation parentale, que l'équipe du centre doit enregistrer. Demandez-lui de traiter "
                    "cette demande.",
                    name=person.display_name,
                ),
                FIELD_AUTH,
            )
        raise InstanceError(
            _(
                "%(name)s a moins de 16 ans : pour siéger dans une instance de décision, il faut une "
                "autorisation parentale. Indiquez la date à laquelle elle a été donnée.",
                name=person.display_name,
            ),
            FIELD_AUTH,
        )
    if authorisation is not None and not staff:
        raise InstanceError(_("Seule l'équipe du centre peut enregistrer une autorisation parentale."), FIELD_AUTH)
    return {
        "college": college,
        "office": office,
        "has_vote": bool(terms.get("has_vote", True)),
        "ex_officio": bool(terms.get("ex_officio", False)),
        "start_date": start,
        "end_date": end,
        FIELD_AUTH: authorisation,
    }


def _apply_terms(seat: Seat, terms: dict, by: User) -> None:
    for name in ("college", "office", "has_vote", "ex_officio", "start_date", "end_date"):
        setattr(seat, name, terms[name])
    if terms["parental_authorisation_at"] != seat.parental_authorisation_at:
        seat.parental_authorisation_at = terms["parental_authorisation_at"]
        seat.parental_authorisation_by_id = by.id if terms["parental_authorisation_at"] else None


def _seat_for_update(seat_id: int) -> Seat:
    seat = db.session.get(Seat, seat_id, populate_existing=True)
    assert seat is not None
    return seat


# --- membership: the verbs ----------------------------------------------------------------------


def request_seat(instance: Instance, person: User, message: str = "", *, by: User) -> Seat:
    """ "Rejoindre" / "Demander à rejoindre".

    Open instance: an active seat at once (ledger row). On request: a requested seat, and the chair,
    vice-chair and staff are told. A person under 16 joining an open decision body gets a request
    too (a parental authorisation must be recorded first). Appointed instances refuse.
    A second click returns the seat the first one made (the unique index decides, never a 500).
    """
    if instance.archived_at is not None:
        raise InstanceError(_("Cette instance est archivée : on ne peut plus la rejoindre."))
    if instance.join_policy == JoinPolicy.APPOINTED:
        raise InstanceError(_("Les membres de cette instance sont désignés ou élus : on ne peut pas la rejoindre ici."))
    existing = current_seat(instance, person)
    if existing is not None:
        return existing
    message = (message or "").strip()[:500]
    direct = instance.join_policy == JoinPolicy.OPEN and not needs_parental_authorisation(instance, person)
    today = local_today()
    seat = Seat(
        instance_id=instance.id,
        person_id=person.id,
        status=SeatStatus.ACTIVE if direct else SeatStatus.REQUESTED,
        college=college_choices(instance.rules)[0][0],
        office=Office.MEMBER,
        has_vote=True,
        request_message=message,
        start_date=today if direct else None,
        end_date=default_end_date(instance.rules, today) if direct else None,
    )
    if not _insert_seat(seat):
        existing = current_seat(instance, person)
        if existing is None:  # the other request ended in between: nothing sensible to add
            raise InstanceError(_("Votre demande n'a pas pu être enregistrée. Réessayez."))
        return existing
    if direct:
        _record_seat(seat, instance, person, by)
    else:
        name, title = person.display_name, instance.name
        notify(
            membership_deciders(instance),
            "instance.membership",
            lambda: _("%(name)s demande à rejoindre « %(instance)s ».", name=name, instance=title),
            url=_members_url(instance),
            structure_id=instance.structure_id,
        )
    return seat


def cancel_request(seat: Seat, *, by: User) -> None:
    """The person withdraws their pending request (the row is removed: nothing was decided)."""
    deleted = db.session.execute(
        sa.delete(Seat)
        .where(Seat.id == seat.id, Seat.status == SeatStatus.REQUESTED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not deleted:
        raise InstanceError(_("Il n'y a pas de demande en attente à annuler."))
    if seat in db.session:
        db.session.expunge(seat)


def accept_seat(
    seat: Seat,
    *,
    college: str | None = None,
    office: Office | str = Office.MEMBER,
    has_vote: bool = True,
    ex_officio: bool = False,
    start_date: date | None = None,
    end_date: date | None | str = "default",
    parental_authorisation_at: date | None = None,
    by: User,
) -> Seat:
    """Accept a join request: the seat becomes active with these terms (ledger row), the person is told.

    `end_date` defaults to start + the rules' mandate length; pass None for no planned end.
    """
    instance, person = seat.instance, seat.person
    if seat.status != SeatStatus.REQUESTED:
        raise AlreadyAnswered(_("Cette demande a déjà reçu une réponse."))
    terms = _check_terms(
        instance,
        person,
        {
            "college": college,
            "office": office,
            "has_vote": has_vote,
            "ex_officio": ex_officio,
            "start_date": start_date,
            "end_date": end_date,
            "parental_authorisation_at": parental_authorisation_at,
        },
        by=by,
    )
    # Two people answering at once: only one UPDATE finds the request still pending.
    updated = db.session.execute(
        sa.update(Seat)
        .where(Seat.id == seat.id, Seat.status == SeatStatus.REQUESTED)
        .values(status=SeatStatus.ACTIVE, decided_by_id=by.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not updated:
        raise AlreadyAnswered(_("Cette demande a déjà reçu une réponse."))
    seat = _seat_for_update(seat.id)
    _apply_terms(seat, terms, by)
    db.session.flush()
    _record_seat(seat, instance, person, by)
    log_event("seat_accepted", actor=by, structure_id=instance.structure_id, target=seat, instance_id=instance.id)
    title = instance.name
    notify(
        [person],
        "instance.membership",
        lambda: _("Bienvenue : vous êtes membre de « %(instance)s ».", instance=title),
        url=_detail_url(instance),
        structure_id=instance.structure_id,
    )
    return seat


def decline_seat(seat: Seat, *, by: User) -> Seat:
    """Decline a join request (kept as a declined seat); the person is told."""
    updated = db.session.execute(
        sa.update(Seat)
        .where(Seat.id == seat.id, Seat.status == SeatStatus.REQUESTED)
        .values(status=SeatStatus.DECLINED, decided_by_id=by.id, ended_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not updated:
        raise AlreadyAnswered(_("Cette demande a déjà reçu une réponse."))
    seat = _seat_for_update(seat.id)
    instance = seat.instance
    log_event("seat_declined", actor=by, structure_id=instance.structure_id, target=seat, instance_id=instance.id)
    title = instance.name
    notify(
        [seat.person],
        "instance.membership",
        lambda: _(
            "Votre demande pour rejoindre « %(instance)s » n'a pas été retenue. L'équipe du centre peut vous en "
            "dire plus.",
            instance=title,
        ),
        url=_detail_url(instance),
        structure_id=instance.structure_id,
    )
    return seat


def add_member(
    instance: Instance,
    person: User,
    *,
    college: str | None = None,
    office: Office | str = Office.MEMBER,
    has_vote: bool = True,
    ex_officio: bool = False,
    start_date: date | None = None,
    end_date: date | None | str = "default",
    parental_authorisation_at: date | None = None,
    elected_at_meeting_id: int | None = None,
    by: User,
) -> Seat:
    """Staff seat a person of the structure directly (a pending request of theirs is accepted)."""
    if instance.archived_at is not None:
        raise InstanceError(_("Cette instance est archivée."))
    if person.membership_in(instance.structure_id) is None:
        raise InstanceError(_("Cette personne n'est pas inscrite au centre."))
    existing = current_seat(instance, person)
    terms = {
        "college": college,
        "office": office,
        "has_vote": has_vote,
        "ex_officio": ex_officio,
        "start_date": start_date,
        "end_date": end_date,
        "parental_authorisation_at": parental_authorisation_at,
    }
    if existing is not None and existing.status == SeatStatus.REQUESTED:
        seat = accept_seat(existing, **terms, by=by)
        seat.elected_at_meeting_id = elected_at_meeting_id
        return seat
    if existing is not None:
        raise InstanceError(_("%(name)s est déjà membre de cette instance.", name=person.display_name))
    checked = _check_terms(instance, person, terms, by=by)
    seat = Seat(
        instance_id=instance.id,
        person_id=person.id,
        status=SeatStatus.ACTIVE,
        decided_by_id=by.id,
        elected_at_meeting_id=elected_at_meeting_id,
    )
    _apply_terms(seat, checked, by)
    if not _insert_seat(seat):
        raise InstanceError(_("%(name)s est déjà membre de cette instance.", name=person.display_name))
    _record_seat(seat, instance, person, by)
    log_event("seat_added", actor=by, structure_id=instance.structure_id, target=seat, instance_id=instance.id)
    title = instance.name
    notify(
        [person],
        "instance.membership",
        lambda: _("Vous êtes maintenant membre de « %(instance)s ».", instance=title),
        url=_detail_url(instance),
        structure_id=instance.structure_id,
    )
    return seat


#: The terms of a seat that accepting, adding and editing set.
SEAT_TERMS = ("college", "office", "has_vote", "ex_officio", "start_date", "end_date", "parental_authorisation_at")


def update_seat(seat: Seat, *, by: User, **changes) -> Seat:
    """Change an active seat's terms: any of `SEAT_TERMS` (college, office, has_vote, ex_officio,
    start_date, end_date, parental_authorisation_at); the others stay as they are."""
    unknown = set(changes) - set(SEAT_TERMS)
    if unknown:
        raise TypeError(f"unknown seat terms: {sorted(unknown)}")
    if seat.status != SeatStatus.ACTIVE:
        raise InstanceError(_("Seul un siège en cours peut être modifié."))
    before = {name: getattr(seat, name) for name in SEAT_TERMS}
    terms = _check_terms(seat.instance, seat.person, {**before, **changes}, by=by, keep_college=seat.college)
    _apply_terms(seat, terms, by)
    db.session.flush()
    changed = sorted(name for name, value in before.items() if getattr(seat, name) != value)
    if changed:
        log_event(
            "seat_updated",
            actor=by,
            structure_id=seat.instance.structure_id,
            target=seat,
            instance_id=seat.instance_id,
            fields=changed,
        )
    return seat


def end_seat(seat: Seat, reason: EndReason | str, *, by: User) -> Seat:
    """End an active seat (left, end of mandate, removed); it stays in the instance's history."""
    reason = EndReason(reason)
    updated = db.session.execute(
        sa.update(Seat)
        .where(Seat.id == seat.id, Seat.status == SeatStatus.ACTIVE)
        .values(status=SeatStatus.ENDED, end_reason=reason, ended_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not updated:
        raise AlreadyAnswered(_("Ce siège n'est plus en cours."))
    seat = _seat_for_update(seat.id)
    if seat.end_date is None or seat.end_date > local_today():
        seat.end_date = local_today()
    db.session.flush()
    instance = seat.instance
    if by.id != seat.person_id:
        log_event(
            "seat_ended",
            actor=by,
            structure_id=instance.structure_id,
            target=seat,
            instance_id=instance.id,
            reason=reason.value,
        )
        title = instance.name
        message = {
            EndReason.MANDATE_END: lambda: _("Votre mandat dans « %(instance)s » est terminé. Merci !", instance=title),
            EndReason.REMOVED: lambda: _("Vous ne faites plus partie de « %(instance)s ».", instance=title),
            EndReason.LEFT: lambda: _("Votre départ de « %(instance)s » est enregistré.", instance=title),
        }[reason]
        notify(
            [seat.person], "instance.membership", message, url=_detail_url(instance), structure_id=instance.structure_id
        )
    return seat


def leave_instance(instance: Instance, person: User, *, by: User) -> Seat:
    """The person leaves the instance ("Quitter l'instance")."""
    seat = current_seat(instance, person)
    if seat is None or seat.status != SeatStatus.ACTIVE:
        raise InstanceError(_("Vous n'êtes pas membre de cette instance."))
    return end_seat(seat, EndReason.LEFT, by=by)
