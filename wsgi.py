"""WSGI entry point: `gunicorn wsgi:app`; `flask shell` gets db, sa and every model."""

import sqlalchemy as sa

from app import create_app, models
from app.extensions import db

app = create_app()


@app.shell_context_processor
def shell_context():
    return {"db": db, "sa": sa, **{name: getattr(models, name) for name in models.__all__}}
