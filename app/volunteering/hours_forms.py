"""Forms of volunteer hours: declare, validate (with corrections), refuse, correct, the valuation
policy, and the report period."""

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.forms import BaseForm, GetForm, plain_text
from app.volunteering.hours import MAX_HOURS, OLDEST_DAY, local_today, parse_hours
from app.volunteering.models import LABELS, Category, ValuationMethod

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def format_hours(hours) -> str:
    """2.50 → "2,5" (French decimal comma, no useless zeros)."""
    return format_decimal(Decimal(hours), format="#,##0.##")


class HoursField(StringField):
    """A duration typed as "2", "2,5", "1h30", "1:30" or "45 min"; `data` is hours (Decimal)."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_hours(valuelist[0])
            except ValueError as error:
                raise ValueError(str(_l("Indiquez une durée comme 2, 2,5 ou 1h30."))) from error

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_hours(self.data) if self.data is not None else ""


def hours_in_a_day(form, field):
    if field.data is None:
        return
    if field.data <= 0:
        raise ValidationError(_l("La durée doit être supérieure à zéro."))
    if field.data > MAX_HOURS:
        raise ValidationError(_l("Une journée compte 24 heures au plus : déclarez plusieurs jours séparément."))


def past_day(form, field):
    if field.data is None:
        return
    if field.data > local_today():
        raise ValidationError(_l("La date ne peut pas être dans le futur."))
    if field.data < OLDEST_DAY:
        raise ValidationError(_l("Cette date est trop ancienne."))


class DecimalCommaField(DecimalField):
    """A decimal number that also accepts the French comma ("12,02") and spaces ("1 607")."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")]
        super().process_formdata(valuelist)


def _category_choices():
    return [(c.value, LABELS[Category][c]) for c in Category]


def _hours_field(label=None):
    return HoursField(
        label or _l("Durée"),
        validators=[InputRequired(_l("Indiquez la durée.")), hours_in_a_day],
        description=_l("En heures : 2, 2,5 ou 1h30 (24 h au plus)."),
    )


def _day_field(label=None):
    return DateField(
        label or _l("Date"),
        format=DATE_FORMATS,
        validators=[InputRequired(_l("Indiquez la date.")), past_day],
    )


def _category_field():
    return SelectField(
        _l("Catégorie"),
        choices=_category_choices(),
        validators=[DataRequired(_l("Choisissez une catégorie."))],
    )


class DeclareForm(BaseForm):
    """A bénévole (or staff for them) declares hours."""

    day = _day_field(_l("Date"))
    hours = _hours_field()
    category = _category_field()
    description = TextAreaField(
        _l("Qu'avez-vous fait ?"),
        validators=[DataRequired(_l("Décrivez en quelques mots ce que vous avez fait.")), Length(max=300), plain_text],
        description=_l("Par exemple : « Préparation de la fête de quartier, installation des stands »."),
    )
    mission = SelectField(_l("Mission (facultatif)"), validate_choice=True, default="")
    is_skill_based = BooleanField(
        _l("Bénévolat de compétences"),
        description=_l("Un savoir-faire professionnel mis au service du centre (comptabilité, graphisme…)."),
    )

    def setup(self, missions: list[tuple[int, str]]) -> "DeclareForm":
        self.mission.choices = [("", _l("Aucune"))] + [(str(i), title) for i, title in missions]
        return self

    def fields(self) -> dict:
        return {
            "day": self.day.data,
            "hours": self.hours.data,
            "category": Category(self.category.data),
            "description": self.description.data,
            "mission_id": int(self.mission.data) if self.mission.data else None,
            "is_skill_based": self.is_skill_based.data,
        }


class ValidateForm(BaseForm):
    """Validate one entry, correcting its day, hours or category first if needed."""

    day = _day_field()
    hours = _hours_field()
    category = _category_field()

    def changes(self) -> dict:
        return {"day": self.day.data, "hours": self.hours.data, "category": Category(self.category.data)}


class RejectForm(BaseForm):
    reason = TextAreaField(
        _l("Raison du refus"),
        validators=[DataRequired(_l("Indiquez la raison du refus.")), Length(max=300), plain_text],
        description=_l("La personne la lira : restez factuel et bienveillant."),
    )


class CorrectForm(ValidateForm):
    """Change a validated entry: a reason is required, kept in the entry's history."""

    reason = TextAreaField(
        _l("Raison de la correction"),
        validators=[DataRequired(_l("Indiquez la raison de la correction.")), Length(max=300), plain_text],
        description=_l("Elle est conservée dans l'historique et envoyée à la personne."),
    )


def _rate_field(label):
    return DecimalCommaField(
        label,
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=Decimal("99999.99"), message=_l("Indiquez un taux entre 0 et 99 999,99 €.")),
        ],
    )


class PolicyForm(BaseForm):
    """A new valuation policy, in force from a date."""

    effective_from = DateField(
        _l("À partir du"), format=DATE_FORMATS, validators=[InputRequired(_l("Indiquez la date d'effet."))]
    )
    method = SelectField(
        _l("Méthode"),
        choices=[(m.value, LABELS[ValuationMethod][m]) for m in ValuationMethod],
        default=ValuationMethod.SMIC_GROSS.value,
    )
    default_rate = DecimalCommaField(
        _l("Taux horaire par défaut (€)"),
        places=2,
        validators=[
            InputRequired(_l("Indiquez le taux horaire.")),
            NumberRange(min=0, max=Decimal("99999.99"), message=_l("Indiquez un taux entre 0 et 99 999,99 €.")),
        ],
        description=_l("Par exemple 12,02 (SMIC horaire brut au 1er janvier 2026)."),
    )
    rate_activite = _rate_field(LABELS[Category][Category.ACTIVITY])
    rate_gouvernance = _rate_field(LABELS[Category][Category.GOVERNANCE])
    rate_pilotage_consultatif = _rate_field(LABELS[Category][Category.STEERING])
    rate_encadrement_benevoles = _rate_field(LABELS[Category][Category.SUPERVISION])
    rate_ponctuel_evenement = _rate_field(LABELS[Category][Category.EVENT])
    coefficient = DecimalCommaField(
        _l("Coefficient"),
        places=2,
        default=Decimal("1"),
        validators=[
            InputRequired(_l("Indiquez le coefficient (1 si aucun).")),
            NumberRange(
                min=Decimal("0.01"), max=Decimal("99.99"), message=_l("Indiquez un coefficient entre 0,01 et 99,99.")
            ),
        ],
        description=_l("Multiplie le taux : 1 pour aucun, 1,45 par exemple pour un taux chargé."),
    )
    full_time_hours = IntegerField(
        _l("Référence temps plein (heures par an)"),
        default=1607,
        validators=[
            InputRequired(_l("Indiquez la référence temps plein.")),
            NumberRange(min=1, max=8784, message=_l("Indiquez un nombre d'heures entre 1 et 8 784.")),
        ],
        description=_l("Pour les ETP bénévoles : 1 607 h par défaut (durée légale annuelle)."),
    )

    def category_rate_fields(self):
        return [self[f"rate_{c.value}"] for c in Category]

    def fields(self) -> dict:
        return {
            "effective_from": self.effective_from.data,
            "method": ValuationMethod(self.method.data),
            "default_rate": self.default_rate.data,
            "category_rates": {c: self[f"rate_{c.value}"].data for c in Category},
            "coefficient": self.coefficient.data,
            "full_time_hours": self.full_time_hours.data,
        }


class PeriodForm(GetForm):
    """The reports' period: a calendar year, or any dates from … to …"""

    annee = SelectField(_l("Année"), validate_choice=False)
    du = DateField(_l("Du"), format=DATE_FORMATS, validators=[Optional()])
    au = DateField(_l("Au"), format=DATE_FORMATS, validators=[Optional()])

    def setup(self, years: list[int]) -> "PeriodForm":
        self.annee.choices = [(str(y), str(y)) for y in years]
        return self

    def validate_au(self, field):
        if field.data and self.du.data and field.data < self.du.data:
            raise ValidationError(_l("La date de fin doit suivre la date de début."))
        if field.data and self.du.data and (field.data - self.du.data).days > 3660:
            raise ValidationError(_l("Choisissez une période de dix ans au plus."))

    def period(self) -> tuple[date, date, bool]:
        """(start, end, is_calendar_year). Dates win when both are given and valid; else the
        chosen year; else the current one. Never an error: bad values fall back."""
        if self.du.data and self.au.data and not self.du.errors and not self.au.errors:
            start, end = self.du.data, self.au.data
            return start, end, start == date(start.year, 1, 1) and end == date(start.year, 12, 31)
        year = parse_year(self.annee.data) or local_today().year
        return date(year, 1, 1), date(year, 12, 31), True


def parse_year(value) -> int | None:
    """A year from a query string, or None (unknown or absurd values are ignored)."""
    try:
        year = int(str(value or ""))
    except (ValueError, InvalidOperation):
        return None
    return year if 2000 <= year <= 2100 else None
