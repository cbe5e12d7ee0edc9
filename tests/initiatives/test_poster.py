"""The printable A4 poster with its QR code."""

import io
import re

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from app.centres.models import Role
from app.extensions import db
from app.initiatives.models import Status
from app.initiatives.photos import save_photo
from app.initiatives.poster_routes import qr_svg
from tests.initiatives.factories import make_initiative


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF)


def _svg(html: str) -> str:
    match = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert match, "no inline SVG on the poster"
    return match.group(0)


def test_public_initiative_has_a_poster_with_qr_code(client, structure, make_user, staff):
    initiative = make_initiative(
        structure,
        make_user(),
        staff,
        title="Repair café <mensuel>",
        summary='On répare ensemble "grille-pain" & vélos.',
        when_text="Le premier samedi du mois",
    )
    response = client.get(f"/initiatives/{initiative.id}/affiche")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    url = f"http://localhost/initiatives/{initiative.id}"
    assert f'href="{url}"' in html
    assert f"localhost/initiatives/{initiative.id}</a>" in html  # the short address, in large text
    assert "Centre social Les Tilleuls" in html
    assert "Repair café &lt;mensuel&gt;" in html  # user text escaped
    assert "Repair café <mensuel>" not in html
    assert "Soutenez-la ou donnez un coup de main :" in html
    assert "Imprimer l'affiche" in html and "data-print hidden" in html
    assert "Sans JavaScript : utilisez « Imprimer » dans le menu du navigateur." in html
    assert "Le premier samedi du mois" in html
    svg = _svg(html)
    assert "style=" not in svg
    assert 'role="img"' in svg and "aria-label=" in svg and "<title>" in svg
    assert "mensuel" not in svg and "<script" not in svg
    assert 'class="poster-qr"' in svg
    assert " style=" not in html  # the page keeps to our CSP (style-src 'self')


def test_qr_code_decodes_to_the_url(app):
    # The path data encodes the absolute URL: check it is a well-formed QR matrix for it.
    import segno

    with app.test_request_context():
        svg = str(qr_svg("http://localhost/initiatives/42"))
    expected = segno.make("http://localhost/initiatives/42", error="m", micro=False)
    assert f'viewBox="0 0 {expected.symbol_size()[0]} {expected.symbol_size()[1]}"' in svg
    assert "style=" not in svg


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.REJECTED])
def test_private_initiatives_have_no_poster(client, auth, structure, make_user, staff, status):
    author = make_user()
    initiative = make_initiative(structure, author, staff, status=status)
    assert client.get(f"/initiatives/{initiative.id}/affiche").status_code == 404
    auth.login(author)  # not even for the author: a poster is for a public page
    assert client.get(f"/initiatives/{initiative.id}/affiche").status_code == 404


def test_hidden_initiative_has_no_poster(client, structure, make_user, staff):
    from app.initiatives.services import hide_initiative

    initiative = make_initiative(structure, make_user(), staff)
    hide_initiative(initiative, "Propos insultants.", by=staff)
    db.session.commit()
    assert client.get(f"/initiatives/{initiative.id}/affiche").status_code == 404
    assert client.get("/initiatives/999999/affiche").status_code == 404


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.COMPLETED])
def test_later_public_statuses_have_a_poster(client, structure, make_user, staff, status):
    initiative = make_initiative(structure, make_user(), staff, status=status)
    assert client.get(f"/initiatives/{initiative.id}/affiche").status_code == 200


def test_poster_shows_the_photo_with_its_alt(client, structure, make_user, staff):
    initiative = make_initiative(structure, make_user(), staff)
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (0, 90, 0)).save(out, "PNG")
    save_photo(initiative, FileStorage(io.BytesIO(out.getvalue()), "p.png"), 'Bacs "potagers"')
    db.session.commit()
    html = client.get(f"/initiatives/{initiative.id}/affiche").get_data(as_text=True)
    assert f'src="/initiatives/{initiative.id}/photo"' in html
    assert 'alt="Bacs &#34;potagers&#34;"' in html
