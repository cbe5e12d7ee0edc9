"""Error pages (403/404/422/429/500…) as a full page, or as a fragment for htmx requests."""

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.htmx import is_htmx_fragment_request


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Requête incorrecte"), _("La demande n'a pas pu être comprise.")),
        403: (_("Accès refusé"), _("Vous n'avez pas les droits pour faire cela.")),
        404: (_("Page introuvable"), _("Cette page n'existe pas ou n'est pas visible pour vous.")),
        405: (_("Action impossible"), _("Cette action n'est pas possible ici.")),
        413: (_("Fichier trop gros"), _("Le fichier envoyé dépasse la taille permise.")),
        422: (_("Données incorrectes"), _("Vérifiez les informations saisies.")),
        429: (
            _("Trop de tentatives"),
            _("Vous avez fait trop de tentatives en peu de temps. Patientez quelques minutes et réessayez."),
        ),
        500: (_("Erreur du serveur"), _("Un problème est survenu de notre côté. Réessayez dans un moment.")),
    }


def render_error(code: int, detail: str | None = None):
    title, message = _messages().get(code, _messages()[500] if code >= 500 else _messages()[400])
    template = "errors/_error.html" if is_htmx_fragment_request() else "errors/error.html"
    return render_template(template, code=code, title=title, message=detail or message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(400, _("Le formulaire a expiré. Rechargez la page et recommencez."))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    # Unhandled exceptions arrive here as a 500 (in tests they propagate, so bugs fail loudly).
    @app.errorhandler(500)
    def _unexpected(error):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return render_error(500)
