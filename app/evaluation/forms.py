"""Forms of the evaluation: the projet social (period, axes, objectives, actions, indicators), the
objectives an initiative, instance or mission serves, anonymous headcounts and manual figures.

Forms parse and check each field; the rules between fields and against the database (periods that
overlap, age filter of a metric, brackets within the total…) live in `app.evaluation.services`,
which the routes call and whose errors land next to the field they name."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.accounts.models import AgeBracket
from app.evaluation import metrics
from app.evaluation.models import IndicatorKind, LinkTarget
from app.forms import BaseForm, GetForm, plain_text, single_line

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
#: Numeric(12, 2) for baselines and targets, Numeric(14, 2) for manual figures.
MAX_INDICATOR_VALUE = Decimal("9999999999.99")
MAX_MANUAL_VALUE = Decimal("999999999999.99")
MAX_PEOPLE = 1_000_000


class DecimalCommaField(DecimalField):
    """A decimal number that also accepts the French comma ("12,5") and spaces ("1 607"): a text
    input (`type="number"` refuses the comma in many browsers), with `inputmode="decimal"`."""

    widget = widgets.TextInput()

    def process_formdata(self, valuelist):
        if valuelist:
            cleaned = valuelist[0].replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
            valuelist = [cleaned]
        super().process_formdata(valuelist)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        text = format(Decimal(self.data).normalize(), "f")
        return text.replace(".", ",")


class GroupedSelect(widgets.Select):
    """A <select> with <optgroup>s (choices given as a dict) and a leading empty option."""

    def __init__(self, blank_label):
        super().__init__()
        self.blank_label = blank_label

    def __call__(self, field, **kwargs):
        html = str(super().__call__(field, **kwargs))
        blank = str(self.render_option("", str(self.blank_label), not field.data))
        opening_end = html.index(">") + 1
        # Both parts come from WTForms' widgets, which escape labels and values.
        return Markup(html[:opening_end] + blank + html[opening_end:])  # noqa: S704


def _title(label, length: int, message):
    return StringField(label, validators=[DataRequired(message), Length(max=length), single_line])


def _text(label, length: int = 5000, description=None):
    return TextAreaField(label, validators=[Optional(), Length(max=length), plain_text], description=description)


def _date(label, *validators, description=None):
    return DateField(label, format=DATE_FORMATS, validators=list(validators), description=description)


# --- the projet social ---------------------------------------------------------------------------


class ProjectForm(BaseForm):
    title = _title(_l("Titre du projet social"), 160, _l("Indiquez le titre du projet social."))
    starts_on = _date(
        _l("Début de l'agrément"),
        InputRequired(_l("Indiquez la date de début de l'agrément.")),
        description=_l("La date d'effet de l'agrément de la Caf."),
    )
    ends_on = _date(
        _l("Fin de l'agrément"),
        InputRequired(_l("Indiquez la date de fin de l'agrément.")),
        description=_l("Quatre ans au plus après le début."),
    )
    summary = _text(
        _l("Résumé"),
        description=_l("Les finalités du projet et ce qu'en a dit le diagnostic partagé, en quelques lignes."),
    )

    def fields(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "summary": (self.summary.data or "").strip(),
        }


class AxisForm(BaseForm):
    title = _title(_l("Intitulé de l'axe"), 200, _l("Indiquez l'intitulé de l'axe."))
    description = _text(_l("Description"))

    def fields(self) -> dict:
        return {"title": self.title.data.strip(), "description": (self.description.data or "").strip()}


class ObjectiveForm(BaseForm):
    title = _title(_l("Intitulé de l'objectif"), 300, _l("Indiquez l'intitulé de l'objectif."))
    description = _text(_l("Description"))

    def fields(self) -> dict:
        return {"title": self.title.data.strip(), "description": (self.description.data or "").strip()}


class ActionForm(BaseForm):
    title = _title(_l("Intitulé de l'action"), 200, _l("Indiquez l'intitulé de l'action."))
    description = _text(_l("Description"))
    publics = StringField(
        _l("Publics visés"),
        validators=[Optional(), Length(max=200), single_line],
        description=_l("Par exemple : « familles du quartier, 11-17 ans »."),
    )
    partners = StringField(
        _l("Partenaires"),
        validators=[Optional(), Length(max=300), single_line],
        description=_l("Par exemple : « Caf, école Jean-Moulin, bailleur »."),
    )
    theme = SelectField(_l("Thème"), default="", validate_choice=True)
    is_family = BooleanField(
        _l("Action collective familles"),
        description=_l("Une action du projet familles (ACF) : elle compte dans le chiffre U4."),
    )
    starts_on = _date(_l("Début (facultatif)"), Optional())
    ends_on = _date(_l("Fin (facultatif)"), Optional())

    def setup(self, themes: list[tuple[int, str]]) -> "ActionForm":
        self.theme.choices = [("", _l("Aucun"))] + [(str(i), name) for i, name in themes]
        return self

    def fields(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "description": (self.description.data or "").strip(),
            "publics": (self.publics.data or "").strip(),
            "partners": (self.partners.data or "").strip(),
            "theme_id": int(self.theme.data) if self.theme.data else None,
            "is_family": bool(self.is_family.data),
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
        }


def metric_choices() -> dict[str, list[tuple[str, str]]]:
    """The catalogue grouped by family: {"Bénévolat": [("B1", "B1 — Bénévoles"), …], …}."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for metric in metrics.catalogue():
        groups.setdefault(metric.family.label, []).append((metric.code, metric_label(metric)))
    return groups


def metric_label(metric: metrics.Metric) -> str:
    return f"{metric.code} — {metric.label}"


def _value_field(label):
    return DecimalCommaField(
        label,
        places=2,
        validators=[
            Optional(),
            NumberRange(min=-MAX_INDICATOR_VALUE, max=MAX_INDICATOR_VALUE, message=_l("Ce nombre est trop grand.")),
        ],
        description=_l("Un nombre, avec une virgule si besoin : 12,5."),
    )


class IndicatorForm(BaseForm):
    title = _title(_l("Intitulé de l'indicateur"), 200, _l("Indiquez l'intitulé de l'indicateur."))
    kind = RadioField(
        _l("Type d'indicateur"),
        choices=[(k.value, k.label) for k in IndicatorKind],
        default=IndicatorKind.QUANTITATIVE.value,
        validators=[DataRequired(_l("Choisissez le type d'indicateur."))],
    )
    metric_code = SelectField(
        _l("Chiffre suivi"),
        validate_choice=False,
        widget=GroupedSelect(_l("Choisir un chiffre du catalogue")),
        description=_l("Pour un indicateur quantitatif : le chiffre du catalogue que l'on suit."),
    )
    age_bracket = SelectField(
        _l("Tranche d'âge (facultatif)"),
        choices=[("", _l("Tous les âges"))] + [(b.value, b.label) for b in AgeBracket],
        default="",
        description=_l("Seulement pour les chiffres calculables par âge (âge au moment de la participation)."),
    )
    baseline = _value_field(_l("Valeur de départ"))
    target = _value_field(_l("Valeur visée"))
    evidence = _text(
        _l("Éléments qui montrent l'avancée"),
        description=_l(
            "Pour un indicateur qualitatif : questionnaires, paroles d'habitants, comptes rendus, initiatives…"
        ),
    )
    comment = _text(_l("Commentaire"), description=_l("Points forts, difficultés, ajustements."))

    def setup(self) -> "IndicatorForm":
        self.metric_code.choices = metric_choices()
        return self

    def fields(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "kind": IndicatorKind(self.kind.data),
            "metric_code": self.metric_code.data or None,
            "age_bracket": AgeBracket(self.age_bracket.data) if self.age_bracket.data else None,
            "baseline": self.baseline.data,
            "target": self.target.data,
            "evidence": (self.evidence.data or "").strip(),
            "comment": (self.comment.data or "").strip(),
        }


# --- what serves an objective --------------------------------------------------------------------

TARGET_LABELS = {
    LinkTarget.INITIATIVE: _l("Initiatives d'habitants"),
    LinkTarget.INSTANCE: _l("Instances"),
    LinkTarget.MISSION: _l("Missions bénévoles"),
}


class LinkForm(BaseForm):
    target = SelectField(
        _l("Initiative, instance ou mission"),
        validate_choice=False,
        widget=GroupedSelect(_l("Choisir…")),
    )

    def setup(self, choices: dict[LinkTarget, list[tuple[int, str]]]) -> "LinkForm":
        self.target.choices = {
            str(TARGET_LABELS[kind]): [(f"{kind.value}-{i}", title) for i, title in items]
            for kind, items in choices.items()
            if items
        }
        return self

    def parsed(self) -> tuple[LinkTarget, int] | None:
        """("initiative", 12) from "initiative-12"; None when nothing valid was chosen."""
        kind, _sep, number = (self.target.data or "").partition("-")
        if kind not in {t.value for t in LinkTarget} or not number.isdigit():
            return None
        return LinkTarget(kind), int(number)


class LinkSearchForm(GetForm):
    q = StringField(_l("Chercher par titre"), validators=[Optional(), Length(max=80)])


# --- anonymous headcounts ------------------------------------------------------------------------


def _people(label, *validators, description=None):
    return IntegerField(
        label,
        validators=[
            *validators,
            NumberRange(min=0, max=MAX_PEOPLE, message=_l("Indiquez un nombre de personnes positif ou nul.")),
        ],
        description=description,
    )


class HeadCountForm(BaseForm):
    occurred_on = _date(_l("Date"), InputRequired(_l("Indiquez la date.")))
    label = _title(
        _l("Ce que c'était"),
        200,
        _l("Dites ce que c'était, par exemple « Fête de quartier »."),
    )
    total = _people(
        _l("Nombre total de personnes"),
        InputRequired(_l("Indiquez le nombre total de personnes.")),
    )
    under_11 = _people(_l("Moins de 11 ans"), Optional())
    age_11_25 = _people(_l("11 à 25 ans"), Optional())
    age_26_59 = _people(_l("26 à 59 ans"), Optional())
    age_60_plus = _people(_l("60 ans et plus"), Optional())
    is_event = BooleanField(
        _l("Événement local"),
        description=_l("Une fête, un repas de quartier, un forum… porté ou soutenu par le centre."),
    )
    action = SelectField(
        _l("Action du projet social (facultatif)"),
        validate_choice=False,
        widget=GroupedSelect(_l("Aucune")),
    )

    BRACKETS = ("under_11", "age_11_25", "age_26_59", "age_60_plus")

    def setup(self, actions: dict[str, list[tuple[int, str]]]) -> "HeadCountForm":
        self.action.choices = {project: [(str(i), title) for i, title in items] for project, items in actions.items()}
        return self

    def bracket_fields(self):
        return [self[name] for name in self.BRACKETS]

    def fields(self) -> dict:
        action = self.action.data
        return {
            "occurred_on": self.occurred_on.data,
            "label": self.label.data.strip(),
            "total": self.total.data,
            **{name: self[name].data for name in self.BRACKETS},
            "is_event": bool(self.is_event.data),
            "action_id": int(action) if action and str(action).isdigit() else None,
        }


class HeadCountPeriodForm(GetForm):
    annee = SelectField(_l("Année"), validate_choice=False)

    def setup(self, years: list[int]) -> "HeadCountPeriodForm":
        self.annee.choices = [(str(y), str(y)) for y in years]
        return self


# --- manual figures ------------------------------------------------------------------------------


UNIT_SUFFIXES = {
    metrics.Unit.PERCENT: _l("Valeur (en pourcentage)"),
    metrics.Unit.EUROS: _l("Valeur (en €)"),
    metrics.Unit.FTE: _l("Valeur (en ETP)"),
    metrics.Unit.HOURS: _l("Valeur (en heures)"),
    metrics.Unit.DAYS: _l("Valeur (en jours)"),
}


def _value_label(unit: metrics.Unit):
    return UNIT_SUFFIXES.get(unit, _l("Valeur"))


def manual_figures_form(manual: list[metrics.Metric], **kwargs) -> BaseForm:
    """One value and one note per manual metric of the catalogue (`value_<code>`, `note_<code>`)."""

    class ManualFiguresForm(BaseForm):
        def rows(self):
            return [(metric, self[f"value_{metric.code}"], self[f"note_{metric.code}"]) for metric in manual]

        def entries(self) -> dict[str, tuple[Decimal | None, str]]:
            return {metric.code: (value.data, (note.data or "").strip()) for metric, value, note in self.rows()}

        def validate(self, extra_validators=None) -> bool:
            valid = super().validate(extra_validators)
            for _metric, value, note in self.rows():
                if value.data is None and not value.errors and (note.data or "").strip():
                    value.errors = [
                        *value.errors,
                        _l("Indiquez le chiffre : une note seule n'est pas enregistrée."),
                    ]
                    valid = False
            return valid

    for metric in manual:
        setattr(
            ManualFiguresForm,
            f"value_{metric.code}",
            DecimalCommaField(
                _value_label(metric.unit),
                places=2,
                validators=[
                    Optional(),
                    NumberRange(min=0, max=MAX_MANUAL_VALUE, message=_l("Indiquez un nombre positif ou nul.")),
                ],
            ),
        )
        setattr(
            ManualFiguresForm,
            f"note_{metric.code}",
            StringField(_l("Note (facultatif)"), validators=[Optional(), Length(max=300), single_line]),
        )
    return ManualFiguresForm(**kwargs)
