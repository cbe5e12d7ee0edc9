"""Command-line operations: `flask seed`, `flask create-admin`, `flask mail …`, `flask ledger …`,
`flask translate …`."""

import os
import subprocess
import sys
import time
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app

from app.extensions import db
from app.instances.cli import instances_group
from app.volunteering.cli import send_reminders


def init_app(app: Flask) -> None:
    app.cli.add_command(seed)
    app.cli.add_command(create_admin)
    app.cli.add_command(mail_group)
    app.cli.add_command(translate)
    app.cli.add_command(audit_group)
    app.cli.add_command(ledger_group)
    app.cli.add_command(send_reminders)
    app.cli.add_command(instances_group)


@click.command("seed")
@click.option("--habitants", default=0, show_default=True, help="Also create habitant1…habitantN@ensemble.test.")
@click.option(
    "--size",
    type=click.Choice(["demo", "large", "federation"]),
    default="demo",
    show_default=True,
    help="demo: the demo centre; large: the generated large centre; federation: 50 large centres.",
)
@click.option("--centres", type=click.IntRange(min=1), default=None, help="federation: how many centres (50).")
@click.option("--scale", type=click.FloatRange(min=0.001), default=1.0, show_default=True, help="Volumes × scale.")
def seed(habitants: int, size: str, centres: int | None, scale: float) -> None:
    """Load demo data. `--size demo` (default): the demo centre and one account per role (password
    ensemble-demo), safe to run twice. `--size large`: the generated "large centre" of the benchmark
    (5,000 habitants, 300,000 ledger rows…); `--size federation`: 50 such centres. Generated accounts
    use the password ensemble-bench. Refuses a database that already has a centre of the same name."""
    if size == "demo":
        if centres is not None:
            raise click.UsageError("--centres only goes with --size federation.")
        from app.demo import seed_demo

        created = seed_demo(extra_habitants=habitants)
        db.session.commit()
        click.echo(f"Données de démonstration prêtes ({created} compte(s) créé(s)).")
        return
    _seed_generated(size, centres, scale)


def _seed_generated(size: str, centres: int | None, scale: float) -> None:
    from app.benchdata import BENCH_PASSWORD, BenchDataExists, generate

    if size == "large" and centres is not None:
        raise click.UsageError("--centres only goes with --size federation.")
    count = 1 if size == "large" else (centres or 50)
    click.echo(f"Génération de {count} centre(s) (échelle {scale:g}) dans {db.engine.url.render_as_string()}…")
    try:
        report = generate(count, scale=scale, progress=click.echo)
    except BenchDataExists as error:
        db.session.rollback()
        raise click.ClickException(
            f"La base contient déjà le centre « {error} » : rien n'a été écrit. "
            "Utilisez une base vide (ou supprimez ce centre) pour générer à nouveau."
        ) from error
    steps = ", ".join(f"{label} {seconds:.1f} s" for label, seconds in report.timings.items() if label != "total")
    click.echo(f"Étapes : {steps}.")
    rows, ledger = (f"{n:,}".replace(",", "\u202f") for n in (report.total_rows, report.rows["ledger_entry"]))
    click.echo(
        f"Terminé en {report.timings['total']:.1f} s : {rows} lignes, dont {ledger} au journal de participation."
    )
    logins = ", ".join(f"{username} ({who})" for username, who in report.logins[:2] + report.logins[2:][-1:])
    click.echo(f"Comptes : {logins}… ; mot de passe : {BENCH_PASSWORD}.")


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrateur·rice", help="Display name.")
@click.password_option(help="Password (12 characters or more).")
def create_admin(email: str, name: str, password: str) -> None:
    """Create (or promote) a platform administrator who can open structures."""
    from app.accounts.models import User
    from app.accounts.passwords import hash_password
    from app.accounts.services import generate_username, normalise_email
    from app.timeutil import utcnow

    if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        raise click.BadParameter("password too short (12 characters or more)")
    email = normalise_email(email)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(display_name=name, username=generate_username(name), email=email, email_confirmed_at=utcnow())
        db.session.add(user)
    user.password_hash = hash_password(password)
    user.is_platform_admin = True
    db.session.commit()
    click.echo(f"Administrateur de la plateforme : {email}")


@click.group("mail")
def mail_group() -> None:
    """E-mail: send the outbox, run a local SMTP sink for development."""


@mail_group.command("send")
def mail_send() -> None:
    """Send (or retry) every e-mail waiting in the outbox. Run it from cron every few minutes."""
    from app.mail import deliver

    sent, failed = deliver()
    click.echo(f"{sent} e-mail(s) envoyé(s), {failed} en échec.")


@mail_group.command("sink")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=None, type=int, help="Defaults to MAIL_PORT.")
def mail_sink(host: str, port: int | None) -> None:
    """A local SMTP server for development: keeps each message as a .eml file in MAIL_SINK_DIR."""
    from aiosmtpd.controller import Controller

    folder = Path(current_app.config["MAIL_SINK_DIR"])
    folder.mkdir(parents=True, exist_ok=True)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            message = message_from_bytes(envelope.content, policy=default_policy)
            name = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns()}.eml"
            name.write_bytes(envelope.content)
            click.echo(f"[mail] à {', '.join(envelope.rcpt_tos)} : {message['Subject']} -> {name}")
            return "250 Message accepted for delivery"

    port = port or current_app.config["MAIL_PORT"]
    controller = Controller(Handler(), hostname=host, port=port)
    try:
        controller.start()
    except OSError as error:
        raise click.ClickException(
            f"{host}:{port} is taken ({error.strerror}): another mail sink is probably running already."
        ) from error
    click.echo(f"Boîte de développement SMTP sur {host}:{port}, messages dans {folder}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@click.group("audit")
def audit_group() -> None:
    """The security journal."""


@audit_group.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=lambda: int(os.environ.get("AUDIT_RETENTION_DAYS", "365")),
    show_default="AUDIT_RETENTION_DAYS or 365",
    help="Keep this many days of events.",
)
def audit_purge(days: int) -> None:
    """Delete security-journal events older than the retention period (RGPD). Run it from cron."""
    from datetime import timedelta

    from app.audit import AuditEvent
    from app.timeutil import utcnow

    result = db.session.execute(sa.delete(AuditEvent).where(AuditEvent.at < utcnow() - timedelta(days=days)))
    db.session.commit()
    click.echo(f"{result.rowcount} événement(s) de plus de {days} jours supprimé(s).")


@click.group("ledger")
def ledger_group() -> None:
    """The participation ledger."""


@ledger_group.command("rebuild-months")
def ledger_rebuild_months() -> None:
    """Recompute the monthly summary of the ledger from the acts (after changing
    BABEL_DEFAULT_TIMEZONE, or after editing ledger rows by hand)."""
    from app.ledger import months

    started = time.perf_counter()
    rows = months.rebuild(db.session)
    db.session.commit()
    click.echo(f"Résumé mensuel recalculé : {rows} ligne(s) en {time.perf_counter() - started:.1f} s.")


@click.group("translate")
def translate() -> None:
    """Translations: extract, update and compile the catalogues (French source, English second)."""


#: Babel skips "_*" folders by default: list the ignored ones so app/templates/_macros is extracted too.
_EXTRACT = (
    "extract",
    "-F",
    "babel.cfg",
    "-k",
    "_l",
    "--no-location",
    "--sort-output",
    "-o",
    "messages.pot",
    "--ignore-dirs",
    ".* __pycache__ node_modules",
    ".",
)


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True)


@translate.command("update")
def translate_update() -> None:
    """Extract every string and merge it into each catalogue."""
    _pybabel(*_EXTRACT)
    _pybabel("update", "-i", "messages.pot", "-d", "app/translations", "--no-fuzzy-matching", "--ignore-obsolete")
    os.remove("messages.pot")
    _french_plurals()


def _french_plurals(path: str = "app/translations/fr/LC_MESSAGES/messages.po") -> None:
    """The French catalogue only carries the plural entries, copied from the source, so that French
    uses its own rule (0 and 1 take the singular: "0 saisie à valider"); other French strings are the
    msgids themselves."""
    from babel.messages.pofile import read_po, write_po

    if not os.path.exists(path):
        return
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="fr")
    for message in catalog:
        if message.id and message.pluralizable and not any(message.string):
            message.string = (message.id[0], message.id[1])
    with open(path, "wb") as handle:
        write_po(handle, catalog, sort_output=True, omit_header=False)


@translate.command("compile")
def translate_compile() -> None:
    """Compile the catalogues (.po -> .mo)."""
    _pybabel("compile", "-d", "app/translations", "--statistics")


@translate.command("init")
@click.argument("lang")
def translate_init(lang: str) -> None:
    """Start a catalogue for a new language."""
    _pybabel(*_EXTRACT)
    _pybabel("init", "-i", "messages.pot", "-d", "app/translations", "-l", lang)
    os.remove("messages.pot")
