"""Locale and time zone selection for Flask-Babel."""

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def get_locale() -> str:
    """The person's chosen language, then the session's, then the browser's, then French."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands, background e-mail delivery
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def get_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
