"""The form of the evaluation snapshots (bilans). The dashboard's period is read from the query
string by `app.evaluation.periods.period_from_args`, which never fails."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.evaluation.models import SnapshotKind
from app.forms import BaseForm, plain_text

#: Longest period a snapshot may cover (a projet social runs four years at most).
MAX_DAYS = 366 * 6


class SnapshotForm(BaseForm):
    kind = SelectField(
        _l("Type de bilan"),
        choices=[(k.value, k.label) for k in SnapshotKind],
        default=SnapshotKind.ANNUAL.value,
        validators=[DataRequired(_l("Choisissez le type de bilan."))],
    )
    start = DateField(
        _l("Début de la période"), validators=[DataRequired(_l("Indiquez le premier jour de la période."))]
    )
    end = DateField(_l("Fin de la période"), validators=[DataRequired(_l("Indiquez le dernier jour de la période."))])
    note = TextAreaField(
        _l("Note (facultative)"),
        description=_l("Par exemple : présenté au conseil d'administration du 12 mars."),
        validators=[Optional(), Length(max=2000), plain_text],
    )
    submit = SubmitField(_l("Figer les chiffres"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices labels are lazy: rebuild them in the request's language.
        self.kind.choices = [(k.value, k.label) for k in SnapshotKind]

    def validate_end(self, field):
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("La fin de la période doit suivre son début."))
            if (field.data - self.start.data).days > MAX_DAYS:
                raise ValidationError(_l("La période est limitée à six ans."))

    @property
    def snapshot_kind(self) -> SnapshotKind:
        return SnapshotKind(self.kind.data)
