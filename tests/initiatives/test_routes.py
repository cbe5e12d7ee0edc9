"""Initiative pages: list, filters, detail visibility, proposing, supporting, helping, staff actions."""

import re

import pytest
import sqlalchemy as sa

from app.accounts import on_behalf
from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.initiatives import services
from app.initiatives.models import Follow, HelpOffer, Initiative, Status, Support
from tests.helpers import count_queries, hx
from tests.initiatives.factories import make_initiative


@pytest.fixture
def people(make_user):
    return {
        "author": make_user(display_name="Awa", username="awa"),
        "other": make_user(display_name="Lucien", username="lucien"),
        "staff": make_user(role=Role.STAFF, display_name="Julie", username="julie"),
    }


def _initiative(structure, people, status=Status.OPEN, **data):
    return make_initiative(structure, people["author"], people["staff"], status=status, **data)


def _reload(initiative) -> Initiative:
    db.session.expire_all()
    return db.session.get(Initiative, initiative.id)


def _form(**overrides):
    data = {
        "title": "Repair café",
        "summary": "On répare ensemble grille-pain et vélos.",
        "description": "Avec **des outils** et des bénévoles.",
        "theme": "",
        "quartier": "",
        "target_public": "Tout le monde",
        "when_text": "Un samedi par mois",
        "helpers_needed": "3",
        "budget_requested": "1 150,50",
        "materials": "Tables",
        "coleads": "",
        "photo_alt": "",
        "save": "1",
    }
    data.update(overrides)
    return data


# --- list ----------------------------------------------------------------------------------------


def test_list_shows_published_initiatives_only(client, structure, people):
    _initiative(structure, people, title="Fête des voisins")
    _initiative(structure, people, status=Status.DRAFT, title="Brouillon secret")
    _initiative(structure, people, status=Status.SUBMITTED, title="En attente")
    r = client.get("/initiatives/")
    assert r.status_code == 200
    assert "Fête des voisins" in r.text
    assert "Brouillon secret" not in r.text and "En attente" not in r.text
    assert 'id="initiative-list"' in r.text and 'aria-live="polite"' in r.text
    assert "Vary" in r.headers and "HX-Request" in r.headers["Vary"]


def test_search_ignores_accents_and_case(client, structure, people):
    _initiative(structure, people, title="Fête des voisins")
    _initiative(structure, people, title="Jardin partagé", summary="Des légumes dans la cour.")
    r = client.get("/initiatives/?q=FETE")
    assert "Fête des voisins" in r.text and "Jardin partagé" not in r.text
    fragment = client.get("/initiatives/?q=fete", headers=hx("initiative-list"))
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<section id="initiative-list"')
    assert "Fête des voisins" in fragment.text


def test_filters_and_sorts(client, structure, people):
    theme = structure.themes[0]
    quartier = structure.quartiers[1]
    a = _initiative(structure, people, title="Atelier vélo", theme_id=theme.id, helpers_needed=2)
    b = _initiative(structure, people, title="Concert", quartier_id=quartier.id)
    services.add_support(b, people["other"], by=people["other"])
    db.session.commit()
    assert "Concert" not in client.get(f"/initiatives/?theme={theme.id}").text
    assert "Atelier vélo" not in client.get(f"/initiatives/?quartier={quartier.id}").text
    helping = client.get("/initiatives/?tri=help").text
    assert "Atelier vélo" in helping and "Concert" not in helping
    assert "Cherche 2 bénévoles" in helping
    by_support = client.get("/initiatives/?tri=supports").text
    assert by_support.index("Concert") < by_support.index("Atelier vélo")
    assert "1 soutien" in by_support
    services.decide_initiative(a, Status.ACCEPTED, "Oui", by=people["staff"])
    db.session.commit()
    accepted = client.get("/initiatives/?statut=accepted").text
    assert "Atelier vélo" in accepted and "Concert" not in accepted
    # Private statuses and nonsense are ignored, never an error.
    assert client.get("/initiatives/?statut=draft&theme=abc&tri=zzz&page=-3").status_code == 200


def test_pagination(client, structure, people):
    for n in range(14):
        _initiative(structure, people, title=f"Idée numéro {n:02d}")
    first = client.get("/initiatives/")
    assert "Idée numéro 13" in first.text and "Idée numéro 00" not in first.text
    assert "page=2" in first.text
    second = client.get("/initiatives/?page=2")
    assert "Idée numéro 00" in second.text and "Idée numéro 13" not in second.text


def test_empty_list_invites_to_propose(client, structure, auth, people):
    r = client.get("/initiatives/")
    assert "Proposer une initiative" in r.text
    assert "/compte/connexion?next=" in r.text
    auth.login(people["other"])
    assert 'href="/initiatives/nouvelle"' in client.get("/initiatives/").text


def test_list_query_count_does_not_grow_with_data(client, structure, people, make_user):
    def add(n):
        for i in range(n):
            initiative = _initiative(structure, people, title=f"Idée {i}", theme_id=structure.themes[0].id)
            services.add_support(initiative, people["other"], by=people["other"])
        db.session.commit()

    add(2)
    client.get("/initiatives/")
    with count_queries() as small:
        assert client.get("/initiatives/").status_code == 200
    add(18)
    with count_queries() as large:
        assert client.get("/initiatives/").status_code == 200
    assert small.count == large.count, (small.statements, large.statements)
    assert large.count <= 12


# --- detail --------------------------------------------------------------------------------------


def test_detail_shows_the_initiative(client, structure, people):
    initiative = _initiative(structure, people, description="Avec **de la musique** <script>x</script>")
    r = client.get(f"/initiatives/{initiative.id}")
    assert r.status_code == 200
    assert "<strong>de la musique</strong>" in r.text
    assert "<script>x</script>" not in r.text
    assert f'id="initiative-{initiative.id}-support"' in r.text
    assert "Connectez-vous pour soutenir" in r.text
    assert "Lien à partager" in r.text
    assert "Ouverte aux soutiens" in r.text  # the timeline and status


def test_draft_of_someone_else_is_404(client, auth, structure, people):
    draft = _initiative(structure, people, status=Status.DRAFT)
    assert client.get(f"/initiatives/{draft.id}").status_code == 404
    auth.login(people["other"])
    assert client.get(f"/initiatives/{draft.id}").status_code == 404
    assert client.get(f"/initiatives/{draft.id}/modifier").status_code == 404
    auth.logout()
    auth.login(people["author"])
    assert client.get(f"/initiatives/{draft.id}").status_code == 200


def test_hidden_initiative_is_404_except_for_staff(client, auth, structure, people):
    initiative = _initiative(structure, people)
    services.hide_initiative(initiative, "Hors charte", by=people["staff"])
    db.session.commit()
    auth.login(people["other"])
    assert client.get(f"/initiatives/{initiative.id}").status_code == 404
    assert "Fête des voisins" not in client.get("/initiatives/").text
    auth.logout()
    auth.login(people["staff"])
    r = client.get(f"/initiatives/{initiative.id}")
    assert r.status_code == 200 and "Hors charte" in r.text


def test_another_structures_initiative_is_404(client, auth, structure, people, make_user):
    elsewhere = make_structure("Centre social du Tonkin")
    stranger = make_user(elsewhere)
    db.session.commit()
    initiative = make_initiative(elsewhere, stranger, status=Status.DRAFT)
    services.submit_initiative(initiative, by=stranger)
    services.publish_initiative(initiative, by=make_user(elsewhere, role=Role.STAFF))
    db.session.commit()
    auth.login(people["other"])
    assert client.get(f"/initiatives/{initiative.id}").status_code == 404
    assert client.post(f"/initiatives/{initiative.id}/soutenir").status_code == 404
    auth.logout()
    auth.login(people["staff"])
    assert client.post(f"/initiatives/{initiative.id}/masquer", data={"hide-reason": "x"}).status_code == 404


def test_detail_query_count_does_not_grow_with_data(client, auth, structure, people, make_user):
    initiative = _initiative(structure, people)
    auth.login(people["staff"])

    def add(n):
        for _ in range(n):
            person = make_user()
            services.add_support(initiative, person, by=person)
            services.offer_help(initiative, person, "Je peux", by=person)
        db.session.commit()

    add(1)
    client.get(f"/initiatives/{initiative.id}")
    with count_queries() as small:
        assert client.get(f"/initiatives/{initiative.id}").status_code == 200
    add(10)
    with count_queries() as large:
        assert client.get(f"/initiatives/{initiative.id}").status_code == 200
    assert small.count == large.count, (small.statements, large.statements)


# --- proposing -----------------------------------------------------------------------------------


def test_new_requires_login(client, structure):
    r = client.get("/initiatives/nouvelle")
    assert r.status_code == 302 and "/compte/connexion" in r.headers["Location"]


def test_save_a_draft_then_send_it(client, auth, structure, people):
    auth.login(people["author"])
    assert client.get("/initiatives/nouvelle").status_code == 200
    r = client.post("/initiatives/nouvelle", data=_form(theme=str(structure.themes[0].id)))
    assert r.status_code == 303
    initiative = db.session.scalar(sa.select(Initiative).where(Initiative.title == "Repair café"))
    assert initiative.status == Status.DRAFT and initiative.author_id == people["author"].id
    assert initiative.helpers_needed == 3 and initiative.theme_id == structure.themes[0].id
    assert str(initiative.budget_requested) == "1150.50"
    assert r.headers["Location"].endswith(f"/initiatives/{initiative.id}")
    assert "Brouillon enregistré." in client.get(r.headers["Location"]).text
    r = client.post(f"/initiatives/{initiative.id}/modifier", data=_form(title="Repair café du jeudi", send="1"))
    assert r.status_code == 303
    initiative = _reload(initiative)
    assert initiative.title == "Repair café du jeudi" and initiative.status == Status.SUBMITTED
    assert "Votre initiative est envoyée" in client.get(r.headers["Location"]).text


def test_post_moderation_publishes_on_send(client, auth, structure, people):
    structure.premoderation = False
    db.session.commit()
    auth.login(people["author"])
    r = client.post("/initiatives/nouvelle", data=_form(send="1", save=""))
    assert r.status_code == 303
    initiative = db.session.scalar(sa.select(Initiative))
    assert initiative.status == Status.OPEN
    assert "est publiée" in client.get(r.headers["Location"]).text


def test_invalid_proposal_is_422_and_keeps_values(client, auth, structure, people):
    auth.login(people["author"])
    r = client.post(
        "/initiatives/nouvelle",
        data=_form(title="", summary="Mon résumé à garder", helpers_needed="-2", coleads="nobody"),
    )
    assert r.status_code == 422
    assert "Mon résumé à garder" in r.text
    assert "Donnez un titre" in r.text
    assert "nobody" in r.text and "Personne n&#39;est inscrit" in r.text
    assert db.session.scalar(sa.select(sa.func.count(Initiative.id))) == 0


def test_hostile_input_is_rendered_inert(client, auth, structure, people):
    auth.login(people["author"])
    r = client.post("/initiatives/nouvelle", data=_form(coleads='<b hx-get="/x">N\'Diaye</b>', title="a\x00b"))
    assert r.status_code == 422
    assert "<b hx-get" not in r.text and "&lt;b hx-get" in r.text
    title = "<img src=x onerror=alert(1)> N'Diaye \u202e"
    r = client.post("/initiatives/nouvelle", data=_form(title=title, description="[x](javascript:alert(1))"))
    assert r.status_code == 303
    page = client.get(r.headers["Location"]).text
    assert "<img src=x" not in page and 'href="javascript' not in page


def test_coleads_are_invited_and_confirm(client, auth, structure, people):
    auth.login(people["author"])
    r = client.post("/initiatives/nouvelle", data=_form(coleads="lucien, awa"))
    assert r.status_code == 303
    initiative = db.session.scalar(sa.select(Initiative))
    assert [c.user_id for c in initiative.coleads] == [people["other"].id]
    auth.logout()
    auth.login(people["other"])
    page = client.get(f"/initiatives/{initiative.id}")
    assert "Confirmer" in page.text
    assert client.post(f"/initiatives/{initiative.id}/co-porteur/confirmer").status_code == 303
    assert _reload(initiative).coleads[0].confirmed_at is not None


def test_photo_error_is_a_field_error(client, auth, structure, people):
    import io

    auth.login(people["author"])
    data = _form()
    data["photo"] = (io.BytesIO(b"not an image at all"), "photo.jpg")
    r = client.post("/initiatives/nouvelle", data=data, content_type="multipart/form-data")
    assert r.status_code == 422
    assert "JPEG, PNG ou WebP" in r.text
    assert db.session.scalar(sa.select(sa.func.count(Initiative.id))) == 0


def test_edit_needs_permission(client, auth, structure, people):
    initiative = _initiative(structure, people)
    auth.login(people["other"])
    assert client.get(f"/initiatives/{initiative.id}/modifier").status_code == 403
    assert client.post(f"/initiatives/{initiative.id}/modifier", data=_form()).status_code == 403
    auth.logout()
    auth.login(people["author"])  # published: the author may no longer change it
    assert client.get(f"/initiatives/{initiative.id}/modifier").status_code == 403


def test_staff_propose_on_behalf_of_a_habitant(client, auth, app, structure, people):
    auth.login(people["staff"])
    with client.session_transaction() as session:
        session[on_behalf.SESSION_KEY] = {"user_id": people["other"].id, "structure_id": structure.id}
    assert "au nom de Lucien" in client.get("/initiatives/nouvelle").text
    r = client.post("/initiatives/nouvelle", data=_form(send="1", save=""))
    assert r.status_code == 303
    initiative = db.session.scalar(sa.select(Initiative))
    assert initiative.author_id == people["other"].id
    assert initiative.recorded_by_id == people["staff"].id
    assert initiative.status == Status.SUBMITTED


def test_submit_button(client, auth, structure, people):
    draft = _initiative(structure, people, status=Status.DRAFT)
    auth.login(people["other"])
    assert client.post(f"/initiatives/{draft.id}/soumettre").status_code == 404
    auth.logout()
    auth.login(people["author"])
    assert client.post(f"/initiatives/{draft.id}/soumettre").status_code == 303
    assert _reload(draft).status == Status.SUBMITTED


# --- supporting, helping, following ------------------------------------------------------------


def test_support_without_js(client, auth, structure, people):
    initiative = _initiative(structure, people)
    auth.login(people["other"])
    r = client.post(f"/initiatives/{initiative.id}/soutenir")
    assert r.status_code == 303
    assert _reload(initiative).support_count == 1
    page = client.get(r.headers["Location"])
    assert "Merci pour votre soutien" in page.text and "Retirer mon soutien" in page.text
    assert client.post(f"/initiatives/{initiative.id}/soutenir").status_code == 303
    assert _reload(initiative).support_count == 1
    assert client.post(f"/initiatives/{initiative.id}/retirer-soutien").status_code == 303
    assert _reload(initiative).support_count == 0


def test_support_with_htmx_returns_the_block(client, auth, structure, people):
    initiative = _initiative(structure, people)
    auth.login(people["other"])
    target = f"initiative-{initiative.id}-support"
    r = client.post(f"/initiatives/{initiative.id}/soutenir", headers=hx(target))
    assert r.status_code == 200
    assert "<html" not in r.text
    assert re.match(rf'\s*<section id="{target}"', r.text)
    assert "1 soutien" in r.text and "Retirer mon soutien" in r.text
    assert db.session.scalar(sa.select(sa.func.count(Support.id))) == 1
    r = client.post(f"/initiatives/{initiative.id}/retirer-soutien", headers=hx(target))
    assert r.status_code == 200 and "0 soutien" in r.text and "Je soutiens" in r.text


def test_support_refused_when_not_open(client, auth, structure, people):
    initiative = _initiative(structure, people, status=Status.ACCEPTED)
    auth.login(people["other"])
    assert client.post(f"/initiatives/{initiative.id}/soutenir").status_code == 403
    r = client.post(f"/initiatives/{initiative.id}/retirer-soutien", headers=hx(f"initiative-{initiative.id}-support"))
    assert r.status_code == 422 and "clos" in r.text


def test_offer_help_and_leads_see_it(client, auth, structure, people):
    initiative = _initiative(structure, people, helpers_needed=2)
    auth.login(people["other"])
    r = client.post(f"/initiatives/{initiative.id}/aider", data={"help-message": "Je bricole"})
    assert r.status_code == 303
    offer = db.session.scalar(sa.select(HelpOffer))
    assert offer.user_id == people["other"].id and offer.message == "Je bricole"
    assert "Je bricole" not in client.get(f"/initiatives/{initiative.id}").text  # helpers are for the leads
    auth.logout()
    auth.login(people["author"])
    assert "Je bricole" in client.get(f"/initiatives/{initiative.id}").text
    assert client.post(f"/initiatives/{initiative.id}/aider").status_code == 403  # a lead helps already


def test_follow_and_unfollow(client, auth, structure, people):
    initiative = _initiative(structure, people)
    auth.login(people["other"])
    assert client.post(f"/initiatives/{initiative.id}/suivre").status_code == 303
    assert "Ne plus suivre" in client.get(f"/initiatives/{initiative.id}").text
    assert client.post(f"/initiatives/{initiative.id}/ne-plus-suivre").status_code == 303
    count = sa.select(sa.func.count(Follow.id)).where(Follow.user_id == people["other"].id)
    assert db.session.scalar(count) == 0


def test_actions_need_login_and_csrf(client, structure, people):
    initiative = _initiative(structure, people)
    r = client.post(f"/initiatives/{initiative.id}/soutenir")
    assert r.status_code == 302 and "/compte/connexion" in r.headers["Location"]
    assert client.post(f"/initiatives/{initiative.id}/soutenir", csrf=False).status_code in (302, 400)


# --- staff and leads ---------------------------------------------------------------------------


def test_staff_publish_request_changes_and_reject(client, auth, structure, people):
    a = _initiative(structure, people, status=Status.SUBMITTED, title="A")
    b = _initiative(structure, people, status=Status.SUBMITTED, title="B")
    c = _initiative(structure, people, status=Status.SUBMITTED, title="C")
    auth.login(people["staff"])
    assert client.post(f"/initiatives/{a.id}/publier").status_code == 303
    assert _reload(a).status == Status.OPEN
    assert client.post(f"/initiatives/{b.id}/demander-complements", data={"changes-message": ""}).status_code == 422
    r = client.post(f"/initiatives/{b.id}/demander-complements", data={"changes-message": "Quelle date ?"})
    assert r.status_code == 303 and _reload(b).status == Status.CHANGES_REQUESTED
    r = client.post(
        f"/initiatives/{c.id}/refuser-publication", data={"reject-reason": "duplicate", "reject-message": "Déjà là"}
    )
    assert r.status_code == 303 and _reload(c).status == Status.REJECTED
    page = client.get(f"/initiatives/{c.id}").text
    assert "Déjà proposée (doublon)" in page and "Déjà là" in page


def test_habitant_cannot_publish_and_illegal_moves_are_refused(client, auth, structure, people):
    submitted = _initiative(structure, people, status=Status.SUBMITTED)
    opened = _initiative(structure, people)
    auth.login(people["author"])
    assert client.post(f"/initiatives/{submitted.id}/publier").status_code == 403
    assert client.post(f"/initiatives/{submitted.id}/masquer", data={"hide-reason": "x"}).status_code == 403
    auth.logout()
    auth.login(people["staff"])
    r = client.post(f"/initiatives/{opened.id}/publier")
    assert r.status_code == 303
    assert "Seule une initiative en attente" in client.get(r.headers["Location"]).text
    assert _reload(opened).status == Status.OPEN


def test_decide_start_complete(client, auth, structure, people):
    initiative = _initiative(structure, people)
    auth.login(people["staff"])
    r = client.post(f"/initiatives/{initiative.id}/decider", data={"decide-decision": "declined", "decide-message": ""})
    assert r.status_code == 303  # the service refuses a refusal without a reason
    assert _reload(initiative).status == Status.OPEN
    r = client.post(
        f"/initiatives/{initiative.id}/decider", data={"decide-decision": "accepted", "decide-message": "Oui"}
    )
    assert r.status_code == 303 and _reload(initiative).status == Status.ACCEPTED
    assert client.post(f"/initiatives/{initiative.id}/demarrer").status_code == 303
    assert _reload(initiative).status == Status.IN_PROGRESS
    r = client.post(f"/initiatives/{initiative.id}/terminer", data={"complete-participants": "", "complete-bilan": "x"})
    assert r.status_code == 422 and "Indiquez combien" in r.text
    r = client.post(
        f"/initiatives/{initiative.id}/terminer", data={"complete-participants": "42", "complete-bilan": "Super"}
    )
    assert r.status_code == 303
    initiative = _reload(initiative)
    assert initiative.status == Status.COMPLETED and initiative.participants_count == 42


def test_abandon_deadline_hide_unhide(client, auth, structure, people):
    initiative = _initiative(structure, people)
    auth.login(people["staff"])
    assert (
        client.post(f"/initiatives/{initiative.id}/echeance", data={"deadline-deadline": "2031-06-30"}).status_code
        == 303
    )
    assert str(_reload(initiative).response_deadline) == "2031-06-30"
    assert client.post(f"/initiatives/{initiative.id}/masquer", data={"hide-reason": ""}).status_code == 422
    assert client.post(f"/initiatives/{initiative.id}/masquer", data={"hide-reason": "Spam"}).status_code == 303
    assert _reload(initiative).hidden_at is not None
    assert client.post(f"/initiatives/{initiative.id}/afficher").status_code == 303
    assert _reload(initiative).hidden_at is None
    auth.logout()
    auth.login(people["author"])
    r = client.post(f"/initiatives/{initiative.id}/abandonner", data={"abandon-message": "Plus le temps"})
    assert r.status_code == 303 and _reload(initiative).status == Status.ABANDONED


def test_mine_lists_my_drafts(client, auth, structure, people):
    _initiative(structure, people, status=Status.DRAFT, title="Mon brouillon")
    auth.login(people["author"])
    r = client.get("/initiatives/mes-initiatives")
    assert "Mon brouillon" in r.text and "Brouillon" in r.text


def test_home_block_lists_open_initiatives(client, auth, structure, people):
    _initiative(structure, people, title="Fête des voisins")
    auth.login(people["other"])
    r = client.get("/")
    assert "Initiatives à soutenir" in r.text and "Fête des voisins" in r.text
