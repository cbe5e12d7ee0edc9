"""Base form classes: CSRF from Flask-WTF, WTForms messages translated by Flask-Babel."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.i18n import get_translations


class BaseForm(FlaskForm):
    """Every form of the app; CSRF-protected, built-in messages in the user's language."""

    class Meta:
        def get_translations(self, form):
            locale = get_locale()
            return get_translations([str(locale)] if locale else None)


class EmptyForm(BaseForm):
    """A button-only action (confirm, mark read…): still a POST with its CSRF token."""

    submit = SubmitField(_l("Valider"))


class GetForm(FlaskForm):
    """Filter and search forms sent with GET: no CSRF, values read from the query string."""

    class Meta:
        csrf = False
