"""Forms of instances: the instance and its rules, joining, and the seat forms of staff and chairs."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.forms import BaseForm, GetForm, plain_text, single_line
from app.instances.models import (
    LABELS,
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
    VotingMode,
)
from app.instances.services import (
    RULES_FIELDS,
    InstanceError,
    college_choices,
    format_colleges,
    local_today,
    parse_colleges,
)


def _choices(enum_class) -> list[tuple[str, str]]:
    # The lazy label, not `.label` (a str): class-level choices must translate at render time.
    return [(member.value, LABELS[enum_class][member]) for member in enum_class]


def _number(message, low: int, high: int):
    return NumberRange(min=low, max=high, message=message)


class InstanceForm(BaseForm):
    """Create or edit an instance and its rules (a change of rules writes a new version)."""

    name = StringField(
        _l("Nom de l'instance"),
        validators=[DataRequired(_l("Donnez un nom à l'instance.")), Length(max=120), single_line],
        description=_l("Par exemple : « Comité d'usagers du secteur familles »."),
    )
    instance_type = SelectField(_l("Type d'instance"), choices=_choices(InstanceType))
    nature = SelectField(
        _l("Nature"),
        choices=_choices(Nature),
        description=_l("Une instance consultative donne des avis ; une instance décisionnelle décide."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=3000), plain_text],
        description=_l("À quoi sert l'instance, qui peut en faire partie, à quel rythme elle se réunit."),
    )
    is_public = RadioField(
        _l("Qui peut voir l'instance ?"),
        choices=[
            ("1", _l("Tout le monde : l'instance, ses réunions et ses comptes-rendus publiés")),
            ("0", _l("Ses membres et l'équipe du centre seulement")),
        ],
        default="1",
    )
    join_policy = RadioField(_l("Comment devient-on membre ?"), choices=_choices(JoinPolicy))
    reports_to = SelectField(
        _l("Instance à qui elle rend ses avis"),
        validate_choice=False,
        description=_l("Par exemple le conseil d'administration pour un comité d'usagers."),
    )

    source = SelectField(_l("Où ces règles sont-elles écrites ?"), choices=_choices(RulesSource))
    colleges = TextAreaField(
        _l("Collèges et sièges"),
        validators=[Optional(), Length(max=1000)],
        description=_l(
            "Un collège par ligne, avec son nombre de sièges : « Habitants : 8 ». "
            "Sans nombre (« Adhérents »), le collège n'a pas de nombre de sièges fixé."
        ),
    )
    mandate_months = IntegerField(
        _l("Durée des mandats (en mois)"),
        validators=[Optional(), _number(_l("Indiquez une durée entre 1 et 120 mois."), 1, 120)],
        description=_l("Laissez vide si les mandats n'ont pas de durée fixe."),
    )
    notice_days = IntegerField(
        _l("Délai de convocation (en jours)"),
        validators=[
            InputRequired(_l("Indiquez un délai en jours (0 s'il n'y en a pas).")),
            _number(_l("Indiquez un délai entre 0 et 90 jours."), 0, 90),
        ],
    )
    quorum_base = RadioField(_l("Quorum"), choices=_choices(QuorumBase))
    quorum_is_percent = RadioField(
        _l("Le seuil du quorum est"),
        choices=[("1", _l("un pourcentage des membres ayant voix délibérative")), ("0", _l("un nombre de membres"))],
        default="1",
    )
    quorum_threshold = IntegerField(
        _l("Seuil du quorum"),
        validators=[
            InputRequired(_l("Indiquez le seuil du quorum.")),
            _number(_l("Indiquez un seuil entre 0 et 999."), 0, 999),
        ],
        description=_l("50 pour « la moitié » si le seuil est un pourcentage."),
    )
    second_call_without_quorum = BooleanField(_l("En seconde convocation, l'instance délibère sans quorum"))
    majority = RadioField(_l("Majorité"), choices=_choices(Majority))
    qualified_num = IntegerField(
        _l("Majorité qualifiée : numérateur"),
        validators=[InputRequired(), _number(_l("Un nombre entre 1 et 99."), 1, 99)],
        default=2,
    )
    qualified_den = IntegerField(
        _l("Majorité qualifiée : dénominateur"),
        validators=[InputRequired(), _number(_l("Un nombre entre 1 et 99."), 1, 99)],
        default=3,
        description=_l("2 et 3 pour « les deux tiers des voix exprimées »."),
    )
    abstentions_counted = BooleanField(_l("Les abstentions comptent parmi les voix exprimées"))
    chair_casting_vote = BooleanField(_l("En cas d'égalité, la voix de la présidence est prépondérante"))
    proxies_allowed = BooleanField(_l("Les pouvoirs (procurations) sont admis"))
    proxies_max = IntegerField(
        _l("Pouvoirs par membre, au plus"),
        validators=[InputRequired(), _number(_l("Un nombre entre 0 et 10."), 0, 10)],
        default=1,
    )
    voting_mode = RadioField(_l("Mode de vote"), choices=_choices(VotingMode))
    minutes_deadline_days = IntegerField(
        _l("Délai de publication du compte-rendu (en jours)"),
        validators=[
            InputRequired(_l("Indiquez un délai en jours.")),
            _number(_l("Indiquez un délai entre 1 et 365 jours."), 1, 365),
        ],
    )
    excluded_topics = StringField(
        _l("Sujets exclus"),
        validators=[Optional(), Length(max=300), single_line],
        description=_l("Ce dont l'instance ne décide pas, par exemple « Budget et ressources humaines »."),
    )

    def setup(self, decision_bodies: list[Instance], previous_colleges: list[dict] | None = None) -> None:
        """Choices of the "reports to" select; the collèges already known keep their codes."""
        self.reports_to.choices = [("", _l("Aucune"))] + [(str(i.id), i.name) for i in decision_bodies]
        self.previous_colleges = previous_colleges or []
        self.parsed_colleges: list[dict] = []

    @staticmethod
    def initial(fields: dict, rules: dict | InstanceRules) -> dict:
        """Form data (for `data=`) from an instance's fields and rules values."""
        values = rules if isinstance(rules, dict) else {name: getattr(rules, name) for name in RULES_FIELDS}
        data = {name: values[name] for name in RULES_FIELDS}
        for name in ("source", "quorum_base", "majority", "voting_mode"):
            data[name] = str(getattr(data[name], "value", data[name]))
        data["colleges"] = format_colleges(values["colleges"])
        data["quorum_is_percent"] = "1" if values["quorum_is_percent"] else "0"
        data["mandate_months"] = values["mandate_months"]
        data.update(
            name=fields.get("name", ""),
            instance_type=str(getattr(fields["instance_type"], "value", fields["instance_type"])),
            nature=str(getattr(fields["nature"], "value", fields["nature"])),
            description=fields.get("description", ""),
            is_public="1" if fields.get("is_public", True) else "0",
            join_policy=str(getattr(fields["join_policy"], "value", fields["join_policy"])),
            reports_to=str(fields.get("reports_to_id") or ""),
        )
        return data

    def validate_reports_to(self, field) -> None:
        # Not shown when the centre has no decision body yet: then nothing is sent, which means none.
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choisissez une instance de décision du centre."))

    def validate_colleges(self, field) -> None:
        try:
            self.parsed_colleges = parse_colleges(field.data or "", self.previous_colleges)
        except InstanceError as error:
            raise ValidationError(str(error)) from error

    def validate_quorum_threshold(self, field) -> None:
        if field.data is None:
            return
        if self.quorum_is_percent.data == "1" and field.data > 100:
            raise ValidationError(_l("Un pourcentage ne peut pas dépasser 100."))
        if self.quorum_base.data != QuorumBase.NONE.value and field.data < 1:
            raise ValidationError(_l("Un quorum doit être d'au moins 1."))

    def validate_qualified_den(self, field) -> None:
        num = self.qualified_num.data
        if num and field.data and num > field.data:
            raise ValidationError(_l("Le numérateur ne peut pas dépasser le dénominateur (par exemple 2 sur 3)."))
        if self.majority.data == Majority.QUALIFIED.value and num and field.data and num * 2 <= field.data:
            raise ValidationError(_l("Une majorité qualifiée est plus exigeante que la moitié (par exemple 2 sur 3)."))

    def validate_proxies_max(self, field) -> None:
        if self.proxies_allowed.data and not field.data:
            raise ValidationError(_l("Si les pouvoirs sont admis, chacun doit pouvoir en porter au moins un."))

    def instance_fields(self) -> dict:
        """The instance's fields, as `create_instance` / `update_instance` take them."""
        return {
            "name": self.name.data.strip(),
            "instance_type": InstanceType(self.instance_type.data),
            "nature": Nature(self.nature.data),
            "description": (self.description.data or "").strip(),
            "is_public": self.is_public.data == "1",
            "join_policy": JoinPolicy(self.join_policy.data),
            "reports_to_id": int(self.reports_to.data) if (self.reports_to.data or "").isdigit() else None,
        }

    def rules_fields(self) -> dict:
        """The rules' values, as `create_instance` / `update_rules` take them."""
        return {
            "source": RulesSource(self.source.data),
            "colleges": self.parsed_colleges,
            "mandate_months": self.mandate_months.data,
            "notice_days": self.notice_days.data,
            "quorum_base": QuorumBase(self.quorum_base.data),
            "quorum_is_percent": self.quorum_is_percent.data == "1",
            "quorum_threshold": self.quorum_threshold.data,
            "second_call_without_quorum": bool(self.second_call_without_quorum.data),
            "majority": Majority(self.majority.data),
            "qualified_num": self.qualified_num.data,
            "qualified_den": self.qualified_den.data,
            "abstentions_counted": bool(self.abstentions_counted.data),
            "chair_casting_vote": bool(self.chair_casting_vote.data),
            "proxies_allowed": bool(self.proxies_allowed.data),
            "proxies_max": self.proxies_max.data,
            "voting_mode": VotingMode(self.voting_mode.data),
            "minutes_deadline_days": self.minutes_deadline_days.data,
            "excluded_topics": (self.excluded_topics.data or "").strip(),
        }


class JoinForm(BaseForm):
    """Ask to join, with an optional word for the chair."""

    message = TextAreaField(
        _l("Un mot pour la présidence (facultatif)"),
        validators=[Optional(), Length(max=500), plain_text],
        description=_l("Pourquoi vous voulez rejoindre l'instance, ce que vous aimeriez y apporter…"),
    )


class SeatForm(BaseForm):
    """The terms of a seat: when accepting a request, adding a member or editing a seat."""

    person = HiddenField()
    college = SelectField(_l("Collège"))
    office = SelectField(_l("Fonction"), choices=_choices(Office), default=Office.MEMBER.value)
    has_vote = BooleanField(_l("Voix délibérative (peut voter)"), default=True)
    ex_officio = BooleanField(
        _l("Membre de droit (élu·e, partenaire, direction…) : ne compte pas comme participation d'habitant")
    )
    start_date = DateField(
        _l("Début du mandat"), validators=[InputRequired(_l("Indiquez la date de début du mandat."))]
    )
    end_date = DateField(
        _l("Fin prévue du mandat"),
        validators=[Optional()],
        description=_l("Calculée d'après la durée des mandats ; laissez vide s'il n'y a pas de fin prévue."),
    )
    parental_authorisation_at = DateField(
        _l("Date de l'autorisation parentale"),
        validators=[Optional()],
        description=_l("Obligatoire pour une personne de moins de 16 ans dans une instance de décision."),
    )

    def setup(self, rules: InstanceRules | None) -> None:
        """Collèges from the rules in force."""
        self.college.choices = college_choices(rules)

    def validate_end_date(self, field) -> None:
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("La fin du mandat doit venir après son début."))

    def validate_parental_authorisation_at(self, field) -> None:
        if field.data and field.data > local_today():
            raise ValidationError(_l("La date de l'autorisation ne peut pas être dans le futur."))

    def terms(self) -> dict:
        """The seat terms, as `accept_seat`, `add_member` and `update_seat` take them."""
        return {
            "college": self.college.data,
            "office": Office(self.office.data),
            "has_vote": bool(self.has_vote.data),
            "ex_officio": bool(self.ex_officio.data),
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "parental_authorisation_at": self.parental_authorisation_at.data,
        }


class EndSeatForm(BaseForm):
    """End a seat, with the reason kept in the history."""

    reason = RadioField(
        _l("Pourquoi ce siège prend-il fin ?"),
        choices=_choices(EndReason),
        validators=[InputRequired(_l("Choisissez une raison."))],
    )


class PersonSearchForm(GetForm):
    """Find a person of the centre to seat (GET, no CSRF)."""

    q = SearchField(
        _l("Rechercher une personne (nom ou identifiant)"),
        id="instance-person-q",
        validators=[Optional(), Length(max=80)],
    )
