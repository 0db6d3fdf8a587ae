"""The referral table of the knowledge base decides the referral as SPEC P10 and P4 word it.

`p10` below is the rule as the SPEC states it (and as `rules.assess` hand-coded it before the
table): refer the same day on neurological symptoms and urgently on another red flag (P4, §5.5);
when already diagnosed, ask for a treatment review after a new low-energy fracture and otherwise
no (R-OPS-3, R-OPS-4); yes with a diagnostic fracture, then a DXA that shows osteoporosis (R-DX-1),
then height loss or kyphosis with back pain (R-OPS-3: a spine X-ray), then a strong factor at any
age or any factor from `referral_min_age_years`; undecided, naming the unanswered factors, when
nothing recorded triggers but an unanswered factor could; otherwise no. Every combination of
factor outcomes (present, absent, unknown; a `strong_when` present, absent or unknown) for factors
of every kind, with and without a red flag, a diagnosis and each of the other findings, at three
ages, goes through `rules.findings.factor_findings` and the shipped table.
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
# (red flag, neurological flag): P4 is true whenever P4_neuro is.
FLAGS = [(True, True), (True, None), (True, False), (None, None), (None, False), (False, False)]
# The findings the rows after the risk factors read, unrecorded or each one triggering its row.
UNRECORDED = {
    "min_t": None,
    "months_since_last_low_energy_fracture": None,
    "spine_xray_signs": None,
}
OTHER = {
    "unrecorded": UNRECORDED,
    "dxa_osteoporosis": {**UNRECORDED, "min_t": K.value("t_osteoporosis") - 0.4},
    "new_fracture": {**UNRECORDED, "months_since_last_low_energy_fracture": 3},
    "spine_xray": {**UNRECORDED, "spine_xray_signs": True},
}


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
    other = c["other"]
    if c["neurological"] is True:
        return ReferralBasis.NEUROLOGICAL, by_definition, []
    if c["red_flag"] is True:
        return ReferralBasis.RED_FLAG, by_definition, []
    if c["diagnosed"] is True:
        if other == "new_fracture":
            return ReferralBasis.NEW_FRACTURE, by_definition, []
        return ReferralBasis.DIAGNOSED, by_definition, []
    adult = age >= MIN_AGE
    strong = any(f.strong or strong_when.get(f.id) is True for f in fired)
    if by_definition and (adult or strong):
        return ReferralBasis.BY_DEFINITION, by_definition, []
    could = [
        f.id
        for f in factors
        if present[f.id] is None and (adult or f.strong or f.strong_rule is not None)
    ]
    if by_definition and could:
        # Under the referral age, an unanswered factor could still make RF1a count.
        return ReferralBasis.UNDECIDED, by_definition, could
    if other == "dxa_osteoporosis" and age >= K.value("who_classes_min_age_years"):
        return ReferralBasis.DXA_OSTEOPOROSIS, by_definition, []
    if other == "spine_xray":
        return ReferralBasis.SPINE_XRAY, by_definition, []
    if strong or (fired and adult):
        return ReferralBasis.RISK_FACTORS, by_definition, []
    if could:
        return ReferralBasis.UNDECIDED, by_definition, could
    return (ReferralBasis.UNDER_AGE if fired else ReferralBasis.NONE), by_definition, []


def combinations() -> Iterator[dict[str, Any]]:
    for kinds in LISTS:
        factors = [factor(i, kind) for i, kind in enumerate(kinds)]
        with_rule = [f.id for f in factors if f.strong_rule]
        for outcomes in itertools.product([True, False, None], repeat=len(factors)):
            for strong in itertools.product([True, False, None], repeat=len(with_rule)):
                for (red_flag, neurological), diagnosed, age, other in itertools.product(
                    FLAGS, [True, False, None], AGES, OTHER
                ):
                    yield {
                        "factors": factors,
                        "present": {f.id: o for f, o in zip(factors, outcomes, strict=True)},
                        "strong_when": dict(zip(with_rule, strong, strict=True)),
                        "red_flag": red_flag,
                        "neurological": neurological,
                        "diagnosed": diagnosed,
                        "age": age,
                        "other": other,
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
        "neurological_flag": c["neurological"],
        "osteoporosis_diagnosed": c["diagnosed"],
        "age_years": c["age"],
        **OTHER[c["other"]],
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
        ReferralBasis.NEUROLOGICAL,
        ReferralBasis.RED_FLAG,
        ReferralBasis.NEW_FRACTURE,
        ReferralBasis.BY_DEFINITION,
        ReferralBasis.DXA_OSTEOPOROSIS,
        ReferralBasis.SPINE_XRAY,
        ReferralBasis.RISK_FACTORS,
    }
    assert [b for b in ReferralBasis if b.recommended is None] == [ReferralBasis.UNDECIDED]
    assert {b for b in ReferralBasis if b.urgent} == {
        ReferralBasis.NEUROLOGICAL,
        ReferralBasis.RED_FLAG,
    }
