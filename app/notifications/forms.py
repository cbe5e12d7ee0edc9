from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FormField, SubmitField

from app.forms import BaseForm


def preferences_form(kinds: dict, prefs: dict, formdata=None) -> BaseForm:
    """A form with two checkboxes (in-app, e-mail) per registered kind."""

    class KindForm(BaseForm):
        class Meta:
            csrf = False

        in_app = BooleanField(_l("Sur Ensemble"))
        email = BooleanField(_l("Par e-mail"))

    class PreferencesForm(BaseForm):
        submit = SubmitField(_l("Enregistrer mes choix"))

    for index, kind in enumerate(kinds):
        setattr(PreferencesForm, f"k{index}", FormField(KindForm, label=kinds[kind]))
    data = {f"k{i}": {"in_app": prefs[k].in_app, "email": prefs[k].email} for i, k in enumerate(kinds)}
    return PreferencesForm(formdata=formdata, data=data)
