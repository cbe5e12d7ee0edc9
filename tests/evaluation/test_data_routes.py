"""The headcount and manual figure pages: who may do what, French validation by the field, the
list as a page or an htmx fragment, no-JS deletion, pagination, bounded queries, concurrent saves."""

from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.evaluation import services
from app.evaluation.models import HeadCount, ManualFigure
from app.extensions import db
from app.factories import make_structure
from app.timeutil import local_today
from tests.helpers import count_queries, hx

HEADCOUNTS = "/evaluation/comptages"
FIGURES = "/evaluation/chiffres-saisis"
YEAR = local_today().year


@pytest.fixture
def people(make_user):
    return {
        "habitant": make_user(display_name="Rose Petit"),
        "coordinator": make_user(role=Role.COORDINATOR, display_name="Nora"),
        "staff": make_user(role=Role.STAFF, display_name="Julie Animatrice"),
        "admin": make_user(role=Role.ADMIN, display_name="Claire Directrice"),
    }


def _headcounts(structure, by, n: int, *, year: int = YEAR, total: int = 10) -> None:
    for i in range(n):
        day = date(year, 1, 1) + timedelta(days=i % 150)
        services.record_headcount(
            structure,
            {"occurred_on": day, "label": f"Atelier {i}", "total": total, "under_11": 2, "is_event": i % 2 == 0},
            by=by,
        )
    db.session.commit()


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(HeadCount))


def _form(**fields) -> dict:
    return {"occurred_on": date(YEAR, 1, 2).isoformat(), "label": "Fête de quartier", "total": "42", **fields}


# --- who may do what -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, structure):
    for path in [HEADCOUNTS, f"{HEADCOUNTS}/nouveau", FIGURES]:
        response = client.get(path)
        assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"], path
    assert client.post(f"{HEADCOUNTS}/nouveau", data=_form()).status_code == 302
    assert _count() == 0


@pytest.mark.parametrize("role", ["habitant", "coordinator"])
def test_habitants_and_coordinators_are_refused(client, auth, structure, people, role):
    _headcounts(structure, people["staff"], 1)
    headcount = db.session.scalars(sa.select(HeadCount)).one()
    auth.login(people[role])
    for path in [HEADCOUNTS, f"{HEADCOUNTS}/nouveau", f"{HEADCOUNTS}/{headcount.id}/modifier", FIGURES]:
        assert client.get(path).status_code == 403, path
    assert client.post(f"{HEADCOUNTS}/nouveau", data=_form()).status_code == 403
    assert client.post(f"{HEADCOUNTS}/{headcount.id}/supprimer").status_code == 403
    assert _count() == 1


def test_staff_record_headcounts_and_read_manual_figures(client, auth, structure, people):
    auth.login(people["staff"])
    page = client.get(f"{HEADCOUNTS}/nouveau")
    assert page.status_code == 200
    assert f'value="{local_today().isoformat()}"' in page.text  # today by default
    saved = client.post(
        f"{HEADCOUNTS}/nouveau",
        data=_form(under_11="10", age_11_25="", is_event="y"),
    )
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"{HEADCOUNTS}?annee={YEAR}")
    headcount = db.session.scalars(sa.select(HeadCount)).one()
    assert (headcount.total, headcount.under_11, headcount.age_11_25, headcount.is_event) == (42, 10, None, True)
    listing = unescape(client.get(saved.headers["Location"]).text)
    assert "Comptage enregistré : 42 personnes le" in listing
    assert "42 personnes comptées" in listing and "dont 10 de moins de 11 ans" in listing
    figures = client.get(FIGURES)
    assert figures.status_code == 200
    assert 'name="csrf_token"' not in figures.text.split("<main")[1].split("</main>")[0]  # read-only: no form
    manual = services.manual_metrics()
    if manual:
        assert client.post(FIGURES, data={f"value_{manual[0].code}": "3"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ManualFigure)) == 0


def test_another_centres_headcounts_are_404(client, auth, structure, people, make_user):
    elsewhere = make_structure("Centre social Voltaire")
    db.session.commit()
    _headcounts(elsewhere, make_user(elsewhere, role=Role.STAFF), 1)
    foreign = db.session.scalars(sa.select(HeadCount)).one()
    auth.login(people["admin"])
    assert client.get(f"{HEADCOUNTS}/{foreign.id}/modifier").status_code == 404
    assert client.get(f"{HEADCOUNTS}/{foreign.id}/supprimer").status_code == 404
    assert client.post(f"{HEADCOUNTS}/{foreign.id}/supprimer").status_code == 404
    assert client.post(f"{HEADCOUNTS}/{foreign.id}/modifier", data=_form()).status_code == 404
    assert "Atelier 0" not in client.get(HEADCOUNTS).text
    assert _count() == 1


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"total": "20", "under_11": "15", "age_60_plus": "6"},
            "Les tranches d'âge additionnées (21) dépassent le total (20)",
        ),
        ({"total": "-2"}, "Indiquez un nombre de personnes positif ou nul."),
        ({"age_26_59": "-1"}, "Indiquez un nombre de personnes positif ou nul."),
        ({"occurred_on": ""}, "Indiquez la date."),
        ({"occurred_on": (local_today() + timedelta(days=1)).isoformat()}, "La date ne peut pas être dans le futur."),
        ({"total": ""}, "Indiquez le nombre total de personnes."),
        ({"label": ""}, "Dites ce que c'était"),
    ],
)
def test_bad_input_is_a_422_with_a_french_message_by_the_field(client, auth, structure, people, fields, message):
    auth.login(people["staff"])
    response = client.post(f"{HEADCOUNTS}/nouveau", data=_form(**fields))
    assert response.status_code == 422
    text = unescape(response.text)
    assert message in text
    assert 'class="field-error"' in text
    assert _count() == 0


def test_editing_keeps_what_was_typed_on_error(client, auth, structure, people):
    _headcounts(structure, people["staff"], 1)
    headcount = db.session.scalars(sa.select(HeadCount)).one()
    auth.login(people["staff"])
    form = client.get(f"{HEADCOUNTS}/{headcount.id}/modifier")
    assert 'value="Atelier 0"' in form.text
    bad = client.post(
        f"{HEADCOUNTS}/{headcount.id}/modifier", data=_form(label="Atelier du lundi", total="1", under_11="2")
    )
    assert bad.status_code == 422 and 'value="Atelier du lundi"' in bad.text
    good = client.post(f"{HEADCOUNTS}/{headcount.id}/modifier", data=_form(label="Atelier du lundi", total="12"))
    assert good.status_code == 303
    db.session.expire_all()
    assert db.session.get(HeadCount, headcount.id).label == "Atelier du lundi"


# --- the list ------------------------------------------------------------------------------------


def test_the_empty_list_explains_what_a_headcount_is(client, auth, structure, people):
    auth.login(people["staff"])
    page = unescape(client.get(HEADCOUNTS).text)
    assert "42 personnes à la fête de quartier, dont 10 de moins de 11 ans" in page
    assert "sans leurs noms" in page


def test_the_list_pages_by_fifty_newest_first_with_the_period_total(client, auth, structure, people):
    _headcounts(structure, people["staff"], 120)
    _headcounts(structure, people["staff"], 3, year=YEAR - 1, total=100)
    auth.login(people["staff"])
    first = unescape(client.get(f"{HEADCOUNTS}?annee={YEAR}").text)
    assert (
        "1\u202f200 personnes comptées" in first
        or "1\xa0200 personnes comptées" in first
        or "1200 personnes comptées" in first
    )
    assert "en 120 comptages" in first
    assert first.count('id="comptage-') == 50
    assert "Page 1 sur 3" in first
    last = unescape(client.get(f"{HEADCOUNTS}?annee={YEAR}&page=3").text)
    assert last.count('id="comptage-') == 20
    previous_year = unescape(client.get(f"{HEADCOUNTS}?annee={YEAR - 1}").text)
    assert "300 personnes comptées" in previous_year and previous_year.count('id="comptage-') == 3
    # Newest first.
    days = db.session.scalars(
        sa.select(HeadCount.id)
        .where(HeadCount.occurred_on >= date(YEAR, 1, 1))
        .order_by(HeadCount.occurred_on.desc(), HeadCount.id.desc())
    ).all()
    assert first.index(f'id="comptage-{days[0]}"') < first.index(f'id="comptage-{days[1]}"')


def test_the_list_is_a_full_page_or_an_htmx_fragment(client, auth, structure, people):
    _headcounts(structure, people["staff"], 60)
    auth.login(people["staff"])
    full = client.get(f"{HEADCOUNTS}?annee={YEAR}")
    assert "<html" in full.text and 'id="headcount-list"' in full.text
    fragment = client.get(f"{HEADCOUNTS}?annee={YEAR}&page=2", headers=hx("headcount-list"))
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<section id="headcount-list"')
    assert fragment.text.count('id="comptage-') == 10
    assert "HX-Request" in fragment.headers["Vary"]
    assert 'hx-target="#headcount-list"' in full.text  # pagination links swap the list
    assert "<html" in client.get(HEADCOUNTS, headers=hx("headcount-list", boosted=True)).text


def test_deleting_asks_on_a_page_without_js(client, auth, structure, people):
    _headcounts(structure, people["staff"], 2)
    first, second = db.session.scalars(sa.select(HeadCount).order_by(HeadCount.id)).all()
    auth.login(people["staff"])
    listing = client.get(f"{HEADCOUNTS}?annee={YEAR}").text
    # Without JS the button GETs the confirmation page; with JS, hx-confirm then a POST.
    assert f'<form method="get" action="{HEADCOUNTS}/{first.id}/supprimer"' in listing
    assert "hx-confirm=" in listing
    confirm = client.get(f"{HEADCOUNTS}/{first.id}/supprimer")
    assert confirm.status_code == 200
    assert "Supprimer ce comptage ?" in confirm.text and "10 personnes ne seront plus comptées." in confirm.text
    assert _count() == 2
    done = client.post(f"{HEADCOUNTS}/{first.id}/supprimer")
    assert done.status_code == 303
    assert "Le comptage est supprimé." in client.get(done.headers["Location"]).text
    # With htmx: the list comes back, for the same period.
    swapped = client.post(f"{HEADCOUNTS}/{second.id}/supprimer?annee={YEAR}", headers=hx("headcount-list"))
    assert swapped.status_code == 200
    assert swapped.text.lstrip().startswith('<section id="headcount-list"')
    assert "Le comptage est supprimé." in swapped.text
    assert _count() == 0


def test_the_headcount_list_costs_the_same_queries_at_any_size(client, auth, structure, people):
    auth.login(people["staff"])
    _headcounts(structure, people["staff"], 5)
    with count_queries() as small:
        assert client.get(f"{HEADCOUNTS}?annee={YEAR}").status_code == 200
    _headcounts(structure, people["staff"], 95)
    with count_queries() as large:
        assert client.get(f"{HEADCOUNTS}?annee={YEAR}").status_code == 200
    assert large.count == small.count, large.statements
    assert large.count <= 12, large.statements
    with count_queries() as form_page:
        assert client.get(f"{HEADCOUNTS}/nouveau").status_code == 200
    assert form_page.count <= 12


# --- manual figures ------------------------------------------------------------------------------


@pytest.fixture
def manual():
    metrics = services.manual_metrics()
    assert metrics, "the catalogue registers manual figures (U3, U7, U8, R1, R2)"
    return metrics


def test_the_direction_enters_clears_and_sees_definitions(client, auth, structure, people, manual):
    auth.login(people["admin"])
    page = client.get(f"{FIGURES}?annee=2025")
    assert page.status_code == 200
    for metric in manual:
        assert f'name="value_{metric.code}"' in page.text
        assert unescape(str(metric.definition)) in unescape(page.text)
    code = manual[0].code
    saved = client.post(f"{FIGURES}?annee=2025", data={f"value_{code}": "1 234,5", f"note_{code}": "Budget voté"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"{FIGURES}?annee=2025")
    figure = db.session.scalars(sa.select(ManualFigure)).one()
    assert (figure.year, figure.code, figure.value, figure.note) == (2025, code, Decimal("1234.50"), "Budget voté")
    shown = unescape(client.get(f"{FIGURES}?annee=2025").text)
    assert "1 chiffre enregistré pour 2025." in shown
    assert 'value="1234,5"' in shown
    # Negative or text: 422 by the field, nothing written.
    bad = client.post(f"{FIGURES}?annee=2025", data={f"value_{code}": "-3"})
    assert bad.status_code == 422 and "Indiquez un nombre positif ou nul." in unescape(bad.text)
    note_only = client.post(f"{FIGURES}?annee=2025", data={f"value_{code}": "", f"note_{code}": "à voir"})
    assert note_only.status_code == 422 and "une note seule" in unescape(note_only.text)
    # Clearing removes it.
    assert client.post(f"{FIGURES}?annee=2025", data={f"value_{code}": ""}).status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ManualFigure)) == 0
    # Staff see it read-only, "non saisi" when empty.
    auth.logout()
    auth.login(people["staff"])
    assert "non saisi" in client.get(f"{FIGURES}?annee=2025").text


def test_manual_figures_page_queries(client, auth, structure, people, manual):
    auth.login(people["admin"])
    with count_queries() as queries:
        assert client.get(f"{FIGURES}?annee=2025").status_code == 200
    assert queries.count <= 12, queries.statements


def test_concurrent_saves_never_fail(structure, people, web_user, manual):
    from tests.conftest import PASSWORD, run_together

    code = manual[0].code
    username = people["admin"].username
    db.session.remove()
    browsers = []
    for _ in range(4):
        browser = web_user()
        status, _body = browser.post(
            "/compte/connexion", {"identifier": username, "password": PASSWORD}, browser.token("/compte/connexion")
        )
        assert status == 303
        browsers.append(browser)
    path = f"{FIGURES}?annee=2025"
    tokens = [b.token(path) for b in browsers]
    db.session.remove()
    results = run_together(
        [
            lambda b=b, t=t, n=n: b.post(path, {f"value_{code}": str(10 + n)}, t)
            for n, (b, t) in enumerate(zip(browsers, tokens, strict=True))
        ]
    )
    assert [r[0] if isinstance(r, tuple) else r for r in results] == [303] * 4
    db.session.remove()
    rows = db.session.scalars(sa.select(ManualFigure)).all()
    assert len(rows) == 1 and rows[0].value in {Decimal(10), Decimal(11), Decimal(12), Decimal(13)}
