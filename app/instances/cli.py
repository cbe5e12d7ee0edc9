"""`flask instances close-votes`: open the scheduled online votes and close the ones past their
deadline (run it from cron every few minutes; pages also do it when they show such a vote)."""

import click
from flask import g

from app.extensions import db


@click.group("instances")
def instances_group() -> None:
    """Instances de participation: scheduled work on votes."""


@instances_group.command("close-votes")
def close_votes() -> None:
    """Open scheduled online votes whose time has come, close those whose deadline has passed,
    record their results (and the decisions on initiatives), and tell the members.

    Safe to run twice or alongside the web pages: each vote opens and closes once.
    """
    from app.instances.votes import settle_due_motions
    from app.mail import deliver

    previous = g.get("sqlite_write_lock")
    g.sqlite_write_lock = True  # this command writes: take SQLite's write lock at BEGIN
    try:
        opened, closed, notices = settle_due_motions()
        db.session.commit()
        deliver()  # the e-mails leave now
    finally:
        g.sqlite_write_lock = previous
    for notice in notices:
        click.echo(notice)
    click.echo(f"{opened} vote(s) ouvert(s), {closed} vote(s) clos.")
