"""The referral table of the knowledge base decides the referral as SPEC P10 and P4 word it.

`p10` below is the rule as the SPEC states it (and as `rules.assess` hand-coded it before the
table): refer urgently on a red flag; no when already diagnosed; yes with a strong factor at any
age or any factor from `referral_min_age_years`; undecided, naming the unanswered factors, when
nothing recorded triggers but an unanswered factor could; otherwise no. Every combination of
factor outcomes (present, absent, unknown; a `strong_when` present, absent or unknown) for factors
of every kind, with and without a red flag or a diagnosis, at three ages, goes through
`rules.findings.factor_findings` and the shipped table.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from osteofys import kb
from osteofys.rules.engine import Evaluation
from osteofys.rules.findings import FactorFinding, factor_findings
from osteofys.rules.knowledge import RiskFactor, make_rule
from osteofys.rules.model import ReferralBasis, Step

K = kb.load().knowledge
MIN_AGE = K.value("referral_min_age_years")
# (strong, with strong_when, diagnostic): RF1a, RF1, RF6, RF3, and a diagnostic ordinary factor.
KINDS = {
    "diagnostic strong": (True, False, True),
    "strong": (True, False, False),
    "strong_when": (False, True, False),
    "ordinary": (False, False, False),
    "diagnostic ordinary": (False, False, True),
}
LISTS = [
    ("ordinary", "diagnostic strong", "strong_when", "diagnostic ordinary"),
    ("ordinary", "strong_when", "strong"),
    ("diagnostic ordinary", "ordinary", "ordinary"),
]
AGES = (MIN_AGE - 10, MIN_AGE, MIN_AGE + 20)


def factor(i: int, kind: str) -> RiskFactor:
    strong, with_strong_when, diagnostic = KINDS[kind]
    rule = make_rule(f"F{i}", "kyphosis", {}, ("S01",), "SRC")
    strong_rule = make_rule(f"F{i}_strong", "kyphosis", {}, ("S01",), "SRC")
    return RiskFactor(
        f"F{i}", rule, strong, diagnostic, False, strong_rule if with_strong_when else None
    )


def p10(c: dict[str, Any]) -> tuple[ReferralBasis, bool, list[str]]:
    """(basis, by definition, the factors named as missing) as SPEC P10 and P4 say."""
    factors: list[RiskFactor] = c["factors"]
    present, strong_when, age = c["present"], c["strong_when"], c["age"]
    fired = [f for f in factors if present[f.id] is True]
    by_definition = any(f.diagnostic for f in fired)
    if c["red_flag"] is True:
        return ReferralBasis.RED_FLAG, by_definition, []
    if c["diagnosed"] is True:
        return ReferralBasis.DIAGNOSED, by_definition, []
    adult = age >= MIN_AGE
    if any(f.strong or strong_when.get(f.id) is True for f in fired) or (fired and adult):
        basis = ReferralBasis.BY_DEFINITION if by_definition else ReferralBasis.RISK_FACTORS
        return basis, by_definition, []
    could = [
        f.id
        for f in factors
        if present[f.id] is None and (adult or f.strong or f.strong_rule is not None)
    ]
    if could:
        return ReferralBasis.UNDECIDED, by_definition, could
    return (ReferralBasis.UNDER_AGE if fired else ReferralBasis.NONE), by_definition, []


def combinations() -> Iterator[dict[str, Any]]:
    for kinds in LISTS:
        factors = [factor(i, kind) for i, kind in enumerate(kinds)]
        with_rule = [f.id for f in factors if f.strong_rule]
        for outcomes in itertools.product([True, False, None], repeat=len(factors)):
            for strong in itertools.product([True, False, None], repeat=len(with_rule)):
                for red_flag, diagnosed, age in itertools.product(
                    [True, False, None], [True, False, None], AGES
                ):
                    yield {
                        "factors": factors,
                        "present": {f.id: o for f, o in zip(factors, outcomes, strict=True)},
                        "strong_when": dict(zip(with_rule, strong, strict=True)),
                        "red_flag": red_flag,
                        "diagnosed": diagnosed,
                        "age": age,
                    }


def by_table(c: dict[str, Any]) -> tuple[ReferralBasis, bool, list[str]]:
    factors: list[RiskFactor] = c["factors"]
    # A factor's unknown step names one case field: its id.
    steps = [
        Step(
            f.id, c["present"][f.id], (), (), (), (), False, (f.id,) * (c["present"][f.id] is None)
        )
        for f in factors
    ]
    found, missing = factor_findings(factors, steps, c["strong_when"])
    values = {
        "red_flag": c["red_flag"],
        "osteoporosis_diagnosed": c["diagnosed"],
        "age_years": c["age"],
        **found,
    }
    result = Evaluation(values, missing).table(K.referral_table)
    basis = ReferralBasis(result.outcome or ReferralBasis.UNDECIDED)
    stopped = result.step is not None and result.step.outcome is None
    lacking = list(result.step.missing) if result.step is not None and stopped else []
    return basis, values[FactorFinding.DIAGNOSTIC] is True, lacking


def test_the_table_decides_as_p10_and_p4_say_on_every_combination() -> None:
    checked = 0
    seen: set[ReferralBasis] = set()
    for c in combinations():
        wanted = p10(c)
        assert by_table(c) == wanted, c
        seen.add(wanted[0])
        checked += 1
    assert checked > 5000
    assert seen == set(ReferralBasis)


def test_the_basis_decides_recommended_and_urgent() -> None:
    assert {b for b in ReferralBasis if b.recommended is True} == {
        ReferralBasis.RED_FLAG,
        ReferralBasis.BY_DEFINITION,
        ReferralBasis.RISK_FACTORS,
    }
    assert [b for b in ReferralBasis if b.recommended is None] == [ReferralBasis.UNDECIDED]
    assert [b for b in ReferralBasis if b.urgent] == [ReferralBasis.RED_FLAG]
