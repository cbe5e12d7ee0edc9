"""Ensemble: the participation platform of centres sociaux and espaces de vie sociale."""

from flask import Flask

from config import DEV_SECRET_KEY, Config


def create_app(config_class: type = Config) -> Flask:
    """Build the application: extensions, blueprints, error handlers, CLI, Jinja globals."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config_class)
    app.config.from_prefixed_env()
    if not app.debug and not app.testing and app.config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise RuntimeError("SECRET_KEY is the development key: set SECRET_KEY in the environment.")

    from app import (
        database,  # noqa: F401  (SQLite connection behaviour)
        i18n,
        mail,  # noqa: F401  (after-commit delivery)
        models,  # noqa: F401  (every table known to SQLAlchemy and Alembic)
        security,
    )
    from app.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.get_locale, timezone_selector=i18n.get_timezone)
    login_manager.init_app(app)
    security.init_app(app)

    from app.accounts.routes import bp as accounts_bp
    from app.calendar.routes import bp as calendar_bp
    from app.centres.routes import bp as centres_bp
    from app.core.routes import bp as core_bp
    from app.evaluation.data_routes import bp as evaluation_data_bp
    from app.evaluation.export_routes import bp as evaluation_exports_bp
    from app.evaluation.project_routes import bp as social_project_bp
    from app.evaluation.routes import bp as evaluation_bp
    from app.initiatives.moderation_routes import bp as initiative_comments_bp
    from app.initiatives.poster_routes import bp as initiative_media_bp
    from app.initiatives.routes import bp as initiatives_bp
    from app.instances.meeting_routes import bp as meetings_bp
    from app.instances.routes import bp as instances_bp
    from app.instances.vote_routes import bp as votes_bp
    from app.notifications.routes import bp as notifications_bp
    from app.volunteering.hours_routes import bp as hours_bp
    from app.volunteering.routes import bp as volunteering_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(centres_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(initiative_media_bp)
    app.register_blueprint(initiatives_bp)
    app.register_blueprint(initiative_comments_bp)
    app.register_blueprint(instances_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(votes_bp)
    app.register_blueprint(volunteering_bp)
    app.register_blueprint(hours_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(evaluation_bp)
    app.register_blueprint(social_project_bp)
    app.register_blueprint(evaluation_data_bp)
    app.register_blueprint(evaluation_exports_bp)

    from app import cli, errors, profiling, templating
    from app.accounts import home as _accounts_home  # noqa: F401  (home page blocks)
    from app.evaluation import formatting as evaluation_formatting
    from app.evaluation import permissions as _evaluation_permissions  # noqa: F401  (template predicates)
    from app.initiatives import home as _initiatives_home  # noqa: F401
    from app.initiatives import moderation_routes
    from app.instances import calendar as _instances_calendar  # noqa: F401  (agenda source)
    from app.instances import home as _instances_home  # noqa: F401
    from app.notifications import home as _notifications_home  # noqa: F401
    from app.volunteering import calendar as _volunteering_calendar  # noqa: F401  (agenda source)
    from app.volunteering import home as _volunteering_home  # noqa: F401

    errors.init_app(app)
    moderation_routes.init_app(app)
    templating.init_app(app)
    evaluation_formatting.init_app(app)
    cli.init_app(app)
    profiling.init_app(app)  # X-Query-Count and Server-Timing headers for `make bench` (off by default)
    return app
