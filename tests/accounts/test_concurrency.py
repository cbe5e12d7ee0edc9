"""People compete against a real server: nothing is created twice, no link is used twice, no 500."""

import pytest
import sqlalchemy as sa

from app.accounts.models import EmailToken, TokenPurpose, User
from app.accounts.passwords import check_password
from app.extensions import db
from tests.conftest import run_together

N = 16


@pytest.fixture(autouse=True)
def _no_throttle(app):
    previous = app.config["LOGIN_LIMIT_PER_IP"]
    app.config["LOGIN_LIMIT_PER_IP"] = "1000 per minute"
    yield
    app.config["LOGIN_LIMIT_PER_IP"] = previous


def test_simultaneous_sign_ups_with_one_address_make_one_account(structure, web_user, mail):
    quartier = structure.quartiers[0]
    people = [web_user() for _ in range(N)]
    tokens = [p.token("/compte/inscription") for p in people]

    def sign_up(person, token, n):
        return person.post(
            "/compte/inscription",
            {
                "display_name": f"Awa {n}",
                "email": "awa@exemple.fr",
                "password": "une phrase assez longue",
                "quartier_id": quartier.id,
                "locale": "fr",
                "accept": "y",
            },
            token,
        )

    results = run_together(
        [lambda p=p, t=t, n=n: sign_up(p, t, n) for n, (p, t) in enumerate(zip(people, tokens, strict=False))]
    )

    statuses = [r[0] if isinstance(r, tuple) else r for r in results]
    assert statuses == [303] * N, statuses
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    # One confirmation link for the account, one "you already have an account" for every other try.
    subjects = [m["Subject"] for m in mail.to("awa@exemple.fr")]
    assert subjects.count("Confirmez votre adresse e-mail — Ensemble") == 1
    assert subjects.count("Vous avez déjà un compte — Ensemble") == N - 1


def test_a_reset_link_works_once_even_when_clicked_together(structure, make_user, web_user, mail):
    user_id = make_user(email="lina@exemple.test").id
    requester = web_user()
    status, _ = requester.post(
        "/compte/mot-de-passe-oublie",
        {"identifier": "lina@exemple.test"},
        requester.token("/compte/mot-de-passe-oublie"),
    )
    assert status == 303
    path = mail.link_in_last("lina@exemple.test", "/compte/reinitialiser/")
    people = [web_user() for _ in range(N)]
    tokens = [p.token(path) for p in people]
    results = run_together(
        [
            lambda p=p, t=t, n=n: p.post(
                path, {"password": f"nouvelle phrase {n:02d}", "confirm": f"nouvelle phrase {n:02d}"}, t
            )
            for n, (p, t) in enumerate(zip(people, tokens, strict=False))
        ]
    )
    statuses = sorted(r[0] for r in results)
    assert statuses.count(303) == 1, statuses
    assert set(statuses) <= {303, 404}, statuses
    db.session.remove()
    row = db.session.scalar(sa.select(EmailToken).where(EmailToken.purpose == TokenPurpose.RESET))
    assert row.used_at is not None
    winner = next(i for i, r in enumerate(results) if r[0] == 303)
    password_hash = db.session.get(User, user_id).password_hash
    assert check_password(password_hash, f"nouvelle phrase {winner:02d}")
