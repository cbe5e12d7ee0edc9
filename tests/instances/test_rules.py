"""The quorum and majority engine (app/instances/rules.py), by table: every rule combination.

Each row reads like a line of statutes: the rules, the figures, the expected outcome. A last test
checks the engine against an independent definition (fractions) for every small vote count.
"""

from fractions import Fraction
from itertools import product

import pytest

from app.instances.models import Choice, InstanceRules, Majority, Outcome, QuorumBase
from app.instances.rules import Rules, quorum_status, required_for_quorum, valid_proxies, vote_result, votes_needed

NONE, PRESENT, BOTH = QuorumBase.NONE, QuorumBase.PRESENT, QuorumBase.PRESENT_REPRESENTED
SIMPLE, ABSOLUTE, QUALIFIED = Majority.SIMPLE, Majority.ABSOLUTE, Majority.QUALIFIED
ADOPTED, REJECTED, NO_QUORUM = Outcome.ADOPTED, Outcome.REJECTED, Outcome.NO_QUORUM
FOR, AGAINST, ABSTAIN = Choice.FOR, Choice.AGAINST, Choice.ABSTAIN


# --- quorum ------------------------------------------------------------------------------------

QUORUM_TABLE = [
    # base, percent?, threshold, waive at 2nd call, members, present, represented, 2nd call
    #   -> required, counted, reached, waived
    pytest.param(NONE, True, 50, True, 10, 0, 0, False, None, 0, True, False, id="no-rule-nobody-there"),
    pytest.param(NONE, False, 8, False, 10, 3, 2, False, None, 3, True, False, id="no-rule-counts-present-only"),
    pytest.param(PRESENT, True, 50, True, 10, 5, 0, False, 5, 5, True, False, id="half-of-10-exactly"),
    pytest.param(PRESENT, True, 50, True, 10, 4, 0, False, 5, 4, False, False, id="half-of-10-one-short"),
    pytest.param(PRESENT, True, 50, True, 9, 4, 0, False, 5, 4, False, False, id="half-of-9-rounds-up-to-5"),
    pytest.param(PRESENT, True, 50, True, 9, 5, 0, False, 5, 5, True, False, id="half-of-9-reached"),
    pytest.param(PRESENT, True, 33, True, 10, 3, 0, False, 4, 3, False, False, id="33pc-of-10-rounds-up-to-4"),
    pytest.param(PRESENT, True, 1, True, 10, 1, 0, False, 1, 1, True, False, id="1pc-needs-at-least-one"),
    pytest.param(PRESENT, True, 100, True, 7, 7, 0, False, 7, 7, True, False, id="everyone-required"),
    pytest.param(PRESENT, True, 50, True, 0, 0, 0, False, 0, 0, True, False, id="no-voting-member"),
    pytest.param(PRESENT, True, 50, True, 10, 4, 2, False, 5, 4, False, False, id="present-base-ignores-proxies"),
    pytest.param(BOTH, True, 50, True, 10, 4, 1, False, 5, 5, True, False, id="present-and-represented"),
    pytest.param(BOTH, True, 50, True, 10, 3, 1, False, 5, 4, False, False, id="represented-not-enough"),
    pytest.param(PRESENT, False, 6, True, 20, 6, 0, False, 6, 6, True, False, id="count-threshold-reached"),
    pytest.param(PRESENT, False, 6, True, 20, 5, 0, False, 6, 5, False, False, id="count-threshold-missed"),
    pytest.param(BOTH, False, 6, True, 20, 4, 2, False, 6, 6, True, False, id="count-with-proxies"),
    pytest.param(PRESENT, True, 50, True, 10, 2, 0, True, 5, 2, True, True, id="second-call-waives"),
    pytest.param(PRESENT, True, 50, False, 10, 2, 0, True, 5, 2, False, False, id="second-call-does-not-waive"),
    pytest.param(PRESENT, True, 50, True, 10, 6, 0, True, 5, 6, True, False, id="second-call-reached-anyway"),
    pytest.param(PRESENT, True, 50, True, 10, 2, 0, False, 5, 2, False, False, id="first-call-never-waived"),
    pytest.param(BOTH, False, 6, True, 10, 0, 0, True, 6, 0, True, True, id="second-call-with-nobody"),
]


@pytest.mark.parametrize(
    (
        "base",
        "percent",
        "threshold",
        "waive",
        "members",
        "present",
        "represented",
        "second_call",
        "required",
        "counted",
        "reached",
        "waived",
    ),
    QUORUM_TABLE,
)
def test_quorum(
    base, percent, threshold, waive, members, present, represented, second_call, required, counted, reached, waived
):
    rules = Rules(
        quorum_base=base, quorum_is_percent=percent, quorum_threshold=threshold, second_call_without_quorum=waive
    )
    quorum = quorum_status(
        rules, voting_members=members, present=present, represented=represented, is_second_call=second_call
    )
    assert (quorum.required, quorum.counted, quorum.reached, quorum.waived) == (required, counted, reached, waived)
    assert required_for_quorum(rules, members) == required
    assert quorum.missing == max(0, (required or 0) - counted)


# --- proxies -----------------------------------------------------------------------------------

PROXY_TABLE = [
    # allowed, max per holder, proxies held by each holder -> valid proxies
    pytest.param(False, 1, [1, 2], 0, id="not-allowed"),
    pytest.param(False, 5, [], 0, id="not-allowed-none-given"),
    pytest.param(True, 1, [], 0, id="allowed-none-given"),
    pytest.param(True, 1, [1, 1, 1], 3, id="one-each-within-limit"),
    pytest.param(True, 1, [1, 2, 3], 3, id="over-the-limit-capped-at-one"),
    pytest.param(True, 2, [1, 2, 3], 5, id="over-the-limit-capped-at-two"),
    pytest.param(True, 3, [3], 3, id="exactly-the-limit"),
    pytest.param(True, 0, [2], 0, id="limit-zero"),
    pytest.param(True, 2, [0, -1], 0, id="nonsense-counts-ignored"),
]


@pytest.mark.parametrize(("allowed", "limit", "held", "valid"), PROXY_TABLE)
def test_valid_proxies(allowed, limit, held, valid):
    assert valid_proxies(Rules(proxies_allowed=allowed, proxies_max=limit), held) == valid


@pytest.mark.parametrize(
    ("allowed", "limit", "held", "reached"),
    [
        pytest.param(True, 1, [3], False, id="three-proxies-one-counts-4-of-5"),
        pytest.param(True, 2, [3], True, id="three-proxies-two-count-5-of-5"),
        pytest.param(False, 2, [3], False, id="proxies-refused-3-of-5"),
        pytest.param(True, 1, [1, 1], True, id="two-holders-one-each"),
    ],
)
def test_quorum_with_proxies_over_the_limit(allowed, limit, held, reached):
    """10 voting members, 3 present, a quorum of half counting the represented ones."""
    rules = Rules(quorum_base=BOTH, quorum_threshold=50, proxies_allowed=allowed, proxies_max=limit)
    quorum = quorum_status(rules, voting_members=10, present=3, represented=valid_proxies(rules, held))
    assert quorum.reached is reached


# --- majority ----------------------------------------------------------------------------------

VOTE_TABLE = [
    # majority, fraction, abstentions counted, chair casting vote, for, against, abstain, quorum, chair's vote
    #   -> outcome, cast, needed, tie, decided by chair
    # simple majority
    pytest.param(SIMPLE, None, False, False, 7, 2, 1, True, None, ADOPTED, 9, 3, False, False, id="simple-7-2-1"),
    pytest.param(SIMPLE, None, True, False, 7, 2, 1, True, None, ADOPTED, 10, 4, False, False, id="simple-abst-7-2-1"),
    pytest.param(SIMPLE, None, False, False, 3, 2, 2, True, None, ADOPTED, 5, 3, False, False, id="simple-3-2-2"),
    pytest.param(SIMPLE, None, True, False, 3, 2, 2, True, None, REJECTED, 7, 5, False, False, id="simple-abst-3-2-2"),
    pytest.param(SIMPLE, None, False, False, 1, 0, 5, True, None, ADOPTED, 1, 1, False, False, id="simple-1-0-5"),
    pytest.param(SIMPLE, None, True, False, 1, 0, 5, True, None, REJECTED, 6, 6, False, False, id="simple-abst-1-0-5"),
    pytest.param(SIMPLE, None, False, False, 2, 3, 0, True, None, REJECTED, 5, 4, False, False, id="simple-2-3"),
    pytest.param(SIMPLE, None, False, False, 3, 3, 0, True, None, REJECTED, 6, 4, True, False, id="simple-tie"),
    pytest.param(SIMPLE, None, True, False, 3, 2, 1, True, None, REJECTED, 6, 4, True, False, id="simple-abst-tie"),
    pytest.param(SIMPLE, None, False, True, 3, 3, 0, True, FOR, ADOPTED, 6, 4, True, True, id="simple-tie-chair-for"),
    pytest.param(SIMPLE, None, False, True, 3, 3, 0, True, AGAINST, REJECTED, 6, 4, True, True, id="simple-chair-no"),
    pytest.param(SIMPLE, None, False, True, 3, 3, 1, True, ABSTAIN, REJECTED, 6, 4, True, False, id="chair-abstains"),
    pytest.param(SIMPLE, None, False, True, 3, 3, 0, True, None, REJECTED, 6, 4, True, False, id="secret-no-chair"),
    pytest.param(SIMPLE, None, False, False, 3, 3, 0, True, FOR, REJECTED, 6, 4, True, False, id="no-casting-rule"),
    pytest.param(SIMPLE, None, False, True, 4, 3, 0, True, AGAINST, ADOPTED, 7, 4, False, False, id="chair-no-tie"),
    pytest.param(SIMPLE, None, False, False, 0, 0, 0, True, None, REJECTED, 0, 1, False, False, id="simple-no-votes"),
    pytest.param(SIMPLE, None, False, True, 0, 0, 0, True, FOR, REJECTED, 0, 1, False, False, id="no-votes-chair"),
    pytest.param(SIMPLE, None, False, False, 0, 0, 4, True, None, REJECTED, 0, 1, False, False, id="only-abstentions"),
    # absolute majority
    pytest.param(ABSOLUTE, None, False, False, 5, 4, 0, True, None, ADOPTED, 9, 5, False, False, id="abs-5-4"),
    pytest.param(ABSOLUTE, None, False, False, 5, 5, 0, True, None, REJECTED, 10, 6, True, False, id="abs-tie"),
    pytest.param(ABSOLUTE, None, False, True, 5, 5, 0, True, FOR, ADOPTED, 10, 6, True, True, id="abs-tie-chair-for"),
    pytest.param(ABSOLUTE, None, False, True, 5, 5, 0, True, AGAINST, REJECTED, 10, 6, True, True, id="abs-chair-no"),
    pytest.param(ABSOLUTE, None, False, False, 5, 3, 2, True, None, ADOPTED, 8, 5, False, False, id="abs-5-3-2"),
    pytest.param(ABSOLUTE, None, True, False, 5, 3, 2, True, None, REJECTED, 10, 6, True, False, id="abs-abst-half"),
    pytest.param(ABSOLUTE, None, True, True, 5, 3, 2, True, FOR, ADOPTED, 10, 6, True, True, id="abs-abst-half-chair"),
    pytest.param(ABSOLUTE, None, True, False, 4, 3, 3, True, None, REJECTED, 10, 6, False, False, id="abs-abst-4-3-3"),
    pytest.param(ABSOLUTE, None, True, False, 6, 1, 3, True, None, ADOPTED, 10, 6, False, False, id="abs-abst-6-1-3"),
    pytest.param(ABSOLUTE, None, False, False, 1, 0, 0, True, None, ADOPTED, 1, 1, False, False, id="abs-single-vote"),
    pytest.param(ABSOLUTE, None, False, False, 0, 0, 0, True, None, REJECTED, 0, 1, False, False, id="abs-no-votes"),
    # qualified majorities
    pytest.param(QUALIFIED, (2, 3), False, False, 6, 3, 0, True, None, ADOPTED, 9, 6, False, False, id="2/3-exactly"),
    pytest.param(QUALIFIED, (2, 3), False, False, 5, 3, 0, True, None, REJECTED, 8, 6, False, False, id="2/3-short"),
    pytest.param(QUALIFIED, (2, 3), True, False, 6, 3, 1, True, None, REJECTED, 10, 7, False, False, id="2/3-abst"),
    pytest.param(QUALIFIED, (2, 3), False, False, 6, 3, 1, True, None, ADOPTED, 9, 6, False, False, id="2/3-no-abst"),
    pytest.param(QUALIFIED, (2, 3), False, True, 1, 1, 0, True, FOR, REJECTED, 2, 2, False, False, id="2/3-no-chair"),
    pytest.param(QUALIFIED, (2, 3), False, False, 0, 0, 0, True, None, REJECTED, 0, 1, False, False, id="2/3-no-votes"),
    pytest.param(QUALIFIED, (2, 3), False, False, 0, 0, 3, True, None, REJECTED, 0, 1, False, False, id="2/3-abstain"),
    pytest.param(QUALIFIED, (3, 5), False, False, 3, 2, 0, True, None, ADOPTED, 5, 3, False, False, id="3/5-exactly"),
    pytest.param(QUALIFIED, (3, 5), False, False, 5, 4, 0, True, None, REJECTED, 9, 6, False, False, id="3/5-short"),
    pytest.param(QUALIFIED, (3, 5), False, False, 6, 4, 0, True, None, ADOPTED, 10, 6, False, False, id="3/5-6-4"),
    pytest.param(QUALIFIED, (3, 5), True, False, 6, 2, 2, True, None, ADOPTED, 10, 6, False, False, id="3/5-abst"),
    pytest.param(QUALIFIED, (1, 1), False, False, 4, 1, 2, True, None, REJECTED, 5, 5, False, False, id="unanimity-no"),
    pytest.param(QUALIFIED, (1, 1), False, False, 4, 0, 2, True, None, ADOPTED, 4, 4, False, False, id="unanimity"),
    # no quorum: nothing is decided, whatever the votes
    pytest.param(SIMPLE, None, False, False, 9, 0, 0, False, None, NO_QUORUM, 9, 1, False, False, id="no-quorum"),
    pytest.param(SIMPLE, None, False, True, 3, 3, 0, False, FOR, NO_QUORUM, 6, 4, False, False, id="no-quorum-tie"),
    pytest.param(QUALIFIED, (2, 3), True, False, 0, 0, 0, False, None, NO_QUORUM, 0, 1, False, False, id="nq-empty"),
]


@pytest.mark.parametrize(
    (
        "majority",
        "fraction",
        "abstentions",
        "casting",
        "for_",
        "against",
        "abstain",
        "quorum",
        "chair",
        "outcome",
        "cast",
        "needed",
        "tie",
        "by_chair",
    ),
    VOTE_TABLE,
)
def test_vote_result(
    majority,
    fraction,
    abstentions,
    casting,
    for_,
    against,
    abstain,
    quorum,
    chair,
    outcome,
    cast,
    needed,
    tie,
    by_chair,
):
    num, den = fraction or (2, 3)
    rules = Rules(
        majority=majority,
        qualified_num=num,
        qualified_den=den,
        abstentions_counted=abstentions,
        chair_casting_vote=casting,
    )
    result = vote_result(
        rules, for_count=for_, against_count=against, abstain_count=abstain, quorum_reached=quorum, chair_vote=chair
    )
    assert (result.outcome, result.cast, result.needed, result.tie, result.decided_by_chair) == (
        outcome,
        cast,
        needed,
        tie,
        by_chair,
    )
    assert (result.for_count, result.against_count, result.abstain_count) == (for_, against, abstain)


def _reference(rules: Rules, for_: int, against: int, abstain: int) -> tuple[bool, bool]:
    """(adopted, tie) straight from the definitions, with exact fractions."""
    cast = for_ + against + (abstain if rules.abstentions_counted else 0)
    if cast == 0:
        return False, False
    share = Fraction(for_, cast)
    if rules.majority == SIMPLE:
        return for_ > cast - for_, for_ == cast - for_
    if rules.majority == ABSOLUTE:
        return share > Fraction(1, 2), share == Fraction(1, 2)
    return for_ > 0 and share >= Fraction(rules.qualified_num, rules.qualified_den), False


@pytest.mark.parametrize(
    ("majority", "fraction"),
    [(SIMPLE, (2, 3)), (ABSOLUTE, (2, 3)), (QUALIFIED, (2, 3)), (QUALIFIED, (3, 5)), (QUALIFIED, (3, 4))],
)
@pytest.mark.parametrize("abstentions", [False, True])
@pytest.mark.parametrize("casting", [False, True])
def test_every_small_vote_matches_the_definitions(majority, fraction, abstentions, casting):
    """0 to 7 votes of each kind, every chair's vote: the engine agrees with the reference, and
    "needed" is exactly the number of votes for that adopts (with the same votes on the other side)."""
    rules = Rules(
        majority=majority,
        qualified_num=fraction[0],
        qualified_den=fraction[1],
        abstentions_counted=abstentions,
        chair_casting_vote=casting,
    )
    for for_, against, abstain, chair in product(range(8), range(8), range(8), [None, FOR, AGAINST, ABSTAIN]):
        result = vote_result(rules, for_count=for_, against_count=against, abstain_count=abstain, chair_vote=chair)
        adopted, tie = _reference(rules, for_, against, abstain)
        by_chair = tie and casting and chair in (FOR, AGAINST)
        expected = (chair == FOR) if by_chair else adopted
        assert result.outcome == (ADOPTED if expected else REJECTED), (for_, against, abstain, chair)
        assert result.tie == tie
        assert result.decided_by_chair == by_chair
        assert (for_ >= result.needed) == adopted, (for_, against, abstain, result.needed)
        assert result.cast == for_ + against + (abstain if abstentions else 0)
        assert votes_needed(rules, result.cast, result.cast - for_) == result.needed


def test_rules_of_reads_a_rules_row():
    row = InstanceRules(
        quorum_base=BOTH,
        quorum_is_percent=False,
        quorum_threshold=4,
        second_call_without_quorum=False,
        majority=QUALIFIED,
        qualified_num=3,
        qualified_den=5,
        abstentions_counted=True,
        chair_casting_vote=True,
        proxies_allowed=True,
        proxies_max=2,
        notice_days=15,
    )
    assert Rules.of(row) == Rules(
        quorum_base=BOTH,
        quorum_is_percent=False,
        quorum_threshold=4,
        second_call_without_quorum=False,
        majority=QUALIFIED,
        qualified_num=3,
        qualified_den=5,
        abstentions_counted=True,
        chair_casting_vote=True,
        proxies_allowed=True,
        proxies_max=2,
    )


def test_defaults_are_a_simple_majority_without_quorum():
    rules = Rules()
    assert quorum_status(rules, voting_members=12, present=0).reached
    assert vote_result(rules, for_count=2, against_count=1, abstain_count=9).outcome == ADOPTED
    assert valid_proxies(rules, [1]) == 0
