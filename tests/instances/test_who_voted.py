"""Who voted what in an open vote: the first names in the vote block, "… et N autres" and the full
list by pages; only a count (and the link) on the instance's votes page; the same rights as the
block (members and staff, open votes, opened); bounded queries whatever the number of ballots."""

import html

import pytest

from app.extensions import db
from app.instances import votes
from app.instances.models import Voter, VotingMode
from tests.conftest import PASSWORD
from tests.helpers import count_queries
from tests.instances.votes_setup import make_body, online_motion, vote_all


def _login(client, user):
    response = client.post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD})
    assert response.status_code == 303
    return client


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return html.unescape(response.text)


@pytest.fixture
def small_lists(monkeypatch):
    """Two names in the block, two per page of the full list: five ballots make three pages."""
    monkeypatch.setattr(votes, "WHO_VOTED_SHOWN", 2)
    monkeypatch.setattr(votes, "WHO_VOTED_PER_PAGE", 2)


def _voted(structure, make_user, **rules):
    body = make_body(structure, make_user, members=3, **rules)
    motion = online_motion(body)
    vote_all(motion, body.voters, "FAXFA")
    return body, motion


def test_block_shows_the_first_names_and_links_to_the_full_list(app, structure, make_user, small_lists):
    body, motion = _voted(structure, make_user)
    client = _login(app.test_client(), body.members[0])
    page = _page(client, f"/instances/votes/{motion.id}")
    assert "Qui a voté quoi (en cours)" in page
    assert "Claire Présidente : " in page and "Samir Secrétaire : " in page
    assert "Membre 1 : " not in page
    assert "… et 3 autres : voir la liste complète" in page
    assert f'href="/instances/votes/{motion.id}/votants"' in page


def test_full_list_by_pages_in_the_order_of_the_ballots(app, structure, make_user, small_lists):
    body, motion = _voted(structure, make_user)
    client = _login(app.test_client(), body.staff)
    first = _page(client, f"/instances/votes/{motion.id}/votants")
    assert "5 votes enregistrés" in first
    assert "Claire Présidente : <strong>Pour</strong>" in first
    assert "Samir Secrétaire : <strong>Contre</strong>" in first
    assert "Membre 1" not in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = _page(client, f"/instances/votes/{motion.id}/votants?page=2")
    assert "Membre 1 : <strong>Abstention</strong>" in second and "Membre 2 : <strong>Pour</strong>" in second
    assert 'start="3"' in second
    assert 'rel="prev"' in second and 'rel="next"' in second
    third = _page(client, f"/instances/votes/{motion.id}/votants?page=3")
    assert "Membre 3 : <strong>Contre</strong>" in third and 'rel="next"' not in third
    assert client.get(f"/instances/votes/{motion.id}/votants?page=4").status_code == 404
    fragment = client.get(
        f"/instances/votes/{motion.id}/votants?page=2", headers={"HX-Request": "true", "HX-Target": "who-voted-list"}
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<section id="who-voted-list"')


def test_votes_index_counts_the_ballots_without_the_names(app, structure, make_user, small_lists):
    body, motion = _voted(structure, make_user)
    client = _login(app.test_client(), body.members[0])
    page = _page(client, f"/instances/{body.instance.id}/votes")
    assert "Qui a voté quoi (en cours)" in page and "(5 votes)" in page
    assert f'href="/instances/votes/{motion.id}/votants"' in page
    assert "Samir Secrétaire : " not in page


def test_full_list_follows_the_rights_of_the_block(app, structure, make_user):
    body, motion = _voted(structure, make_user)
    url = f"/instances/votes/{motion.id}/votants"
    assert app.test_client().get(url).status_code == 404
    assert _login(app.test_client(), make_user()).get(url).status_code == 404
    assert _login(app.test_client(), body.members[0]).get(url).status_code == 200
    secret_body = make_body(structure, make_user, name="Conseil", voting_mode=VotingMode.SECRET)
    secret = online_motion(secret_body)
    vote_all(secret, secret_body.voters, "FA")
    assert _login(app.test_client(), secret_body.staff).get(f"/instances/votes/{secret.id}/votants").status_code == 404
    draft = online_motion(body, open_it=False, title="Brouillon")
    assert _login(app.test_client(), body.staff).get(f"/instances/votes/{draft.id}/votants").status_code == 404


def test_who_voted_queries_do_not_grow_with_the_ballots(app, structure, make_user, small_lists):
    body, motion = _voted(structure, make_user)
    client = _login(app.test_client(), body.staff)
    urls = [
        f"/instances/votes/{motion.id}",
        f"/instances/votes/{motion.id}/votants",
        f"/instances/{body.instance.id}/votes",
    ]
    before = {}
    for url in urls:
        client.get(url)
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        before[url] = counted.count
        assert counted.count <= 12, (url, counted.count)
    for person in [make_user(display_name=f"Nouveau {n}") for n in range(6)]:
        db.session.add(Voter(motion_id=motion.id, person_id=person.id))
        db.session.flush()
        votes.cast_vote(motion, person, "for", person)
    db.session.commit()
    for url in urls:
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        assert counted.count == before[url], (url, before[url], counted.count)
