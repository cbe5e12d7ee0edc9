"""Base form classes (CSRF from Flask-WTF, WTForms messages translated by Flask-Babel) and the
validators every feature shares."""

import email_validator
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.i18n import get_translations
from wtforms.validators import ValidationError


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


_FORBIDDEN = _l("Ce texte contient des caractères non autorisés.")


def single_line(form, field):
    """No control character at all (NUL, tabs, line breaks): names, titles, identifiers."""
    if field.data and any(ord(c) < 32 for c in field.data):
        raise ValidationError(_FORBIDDEN)


def plain_text(form, field):
    """Multi-line text: line breaks and tabs allowed, other control characters (NUL…) refused."""
    if field.data and any(ord(c) < 32 and c not in "\r\n\t" for c in field.data):
        raise ValidationError(_FORBIDDEN)


def email_address(form, field):
    """Syntax only, no DNS lookup; `.test` addresses (RFC 6761) pass for the demo and the tests."""
    if field.data:
        try:
            email_validator.validate_email(field.data, check_deliverability=False, test_environment=True)
        except email_validator.EmailNotValidError as error:
            raise ValidationError(_l("Cette adresse e-mail n'est pas valide.")) from error
