"""`flask send-reminders`: the day-before reminders of volunteer shifts (run it from cron)."""

import click
from flask.cli import with_appcontext


@click.command("send-reminders")
@with_appcontext
def send_reminders() -> None:
    """Remind everyone confirmed on a shift starting in 24 to 48 hours (notification and e-mail).

    Run it once a day from cron, e.g. at 10:00. Safe to run twice: each reminder is sent once.
    """
    from app.volunteering.reminders import send_due_reminders

    sent = send_due_reminders()
    click.echo(f"{sent} rappel(s) envoyé(s).")
