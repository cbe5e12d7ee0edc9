"""The quorum and majority engine: pure functions over an instance's rules and plain numbers.

No database, no request: every rule combination is tested by table (tests/instances/test_rules.py).
Definitions used (they follow common association statutes; the rules of each instance decide):
- quorum: the voting members counted (present, or present + represented) reach the threshold,
  a number of members or a percentage of the voting members rounded up; a second call may waive it;
- proxies: only when the rules allow them, and at most `proxies_max` per holder (extra ones are
  ignored, the members they came from count as absent);
- majority over the votes cast ("suffrages exprimés"): for + against, plus abstentions when the
  rules count them (they then weigh like "against");
  simple: more for than against; absolute: more than half of the votes cast; qualified: at least
  num/den of the votes cast (and at least one vote for);
- a tie is rejected, unless the chair's casting vote decides (open votes, simple or absolute).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from app.instances.models import Choice, Majority, Outcome, QuorumBase


@dataclass(frozen=True)
class Rules:
    """The rule values the engine needs (built from an `InstanceRules` row with `Rules.of`)."""

    quorum_base: QuorumBase = QuorumBase.NONE
    quorum_is_percent: bool = True
    quorum_threshold: int = 50
    second_call_without_quorum: bool = True
    majority: Majority = Majority.SIMPLE
    qualified_num: int = 2
    qualified_den: int = 3
    abstentions_counted: bool = False
    chair_casting_vote: bool = False
    proxies_allowed: bool = False
    proxies_max: int = 1

    @classmethod
    def of(cls, row) -> "Rules":
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Quorum:
    #: Members needed (None when the instance has no quorum rule).
    required: int | None
    #: Members counted towards it.
    counted: int
    reached: bool
    #: Reached only because a second call waives the quorum.
    waived: bool = False

    @property
    def missing(self) -> int:
        return max(0, (self.required or 0) - self.counted)


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    for_count: int
    against_count: int
    abstain_count: int
    #: The votes the majority is computed on (suffrages exprimés as the rules define them).
    cast: int
    #: Votes "for" needed to adopt with these votes cast.
    needed: int
    tie: bool = False
    decided_by_chair: bool = False


def _ceil_div(a: int, b: int) -> int:
    """a / b rounded up, in integers (no float rounding at the boundary)."""
    return -(-a // b)


def valid_proxies(rules: Rules, proxies_per_holder: Iterable[int]) -> int:
    """How many represented members count: each holder carries at most `proxies_max` proxies."""
    if not rules.proxies_allowed:
        return 0
    return sum(min(max(n, 0), rules.proxies_max) for n in proxies_per_holder)


def required_for_quorum(rules: Rules, voting_members: int) -> int | None:
    """Members needed for the quorum, or None without a quorum rule."""
    if rules.quorum_base == QuorumBase.NONE:
        return None
    if rules.quorum_is_percent:
        return max(1, _ceil_div(voting_members * rules.quorum_threshold, 100)) if voting_members else 0
    return rules.quorum_threshold


def quorum_status(
    rules: Rules, *, voting_members: int, present: int, represented: int = 0, is_second_call: bool = False
) -> Quorum:
    """Is the quorum reached? `represented` is the number of valid proxies (see `valid_proxies`)."""
    counted = present + (represented if rules.quorum_base == QuorumBase.PRESENT_REPRESENTED else 0)
    required = required_for_quorum(rules, voting_members)
    if required is None:
        return Quorum(required=None, counted=counted, reached=True)
    if counted >= required:
        return Quorum(required=required, counted=counted, reached=True)
    if is_second_call and rules.second_call_without_quorum:
        return Quorum(required=required, counted=counted, reached=True, waived=True)
    return Quorum(required=required, counted=counted, reached=False)


def votes_needed(rules: Rules, cast: int, against_side: int) -> int:
    """Votes "for" needed to adopt, given the votes cast and the votes on the other side."""
    if rules.majority == Majority.SIMPLE:
        return against_side + 1
    if rules.majority == Majority.ABSOLUTE:
        return cast // 2 + 1
    return max(1, _ceil_div(cast * rules.qualified_num, rules.qualified_den))


def vote_result(
    rules: Rules,
    *,
    for_count: int,
    against_count: int,
    abstain_count: int,
    quorum_reached: bool = True,
    chair_vote: Choice | None = None,
) -> Result:
    """The outcome of a vote under the rules. `chair_vote` is the chair's own vote (open votes)."""
    counts = {"for_count": for_count, "against_count": against_count, "abstain_count": abstain_count}
    counted_abstentions = abstain_count if rules.abstentions_counted else 0
    cast = for_count + against_count + counted_abstentions
    against_side = against_count + counted_abstentions
    needed = votes_needed(rules, cast, against_side)
    if not quorum_reached:
        return Result(Outcome.NO_QUORUM, cast=cast, needed=needed, **counts)
    if rules.majority == Majority.SIMPLE:
        adopted, tie = for_count > against_side, for_count == against_side and cast > 0
    elif rules.majority == Majority.ABSOLUTE:
        adopted, tie = 2 * for_count > cast, 2 * for_count == cast and cast > 0
    else:
        adopted = for_count > 0 and for_count * rules.qualified_den >= rules.qualified_num * cast
        tie = False
    if tie and rules.chair_casting_vote and chair_vote in (Choice.FOR, Choice.AGAINST):
        outcome = Outcome.ADOPTED if chair_vote == Choice.FOR else Outcome.REJECTED
        return Result(outcome, cast=cast, needed=needed, tie=True, decided_by_chair=True, **counts)
    return Result(Outcome.ADOPTED if adopted else Outcome.REJECTED, cast=cast, needed=needed, tie=tie, **counts)
