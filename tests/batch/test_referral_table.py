"""The batch engine decides the referral by the knowledge base's referral table, as the core does.

`batch.compile.compile_table` and `batch.referral.factor_findings` give the core's basis and
risk-factor findings on every combination of factor outcomes that tests/rules/test_referral.py
checks against SPEC P10; and an edit of kb/data/referral.toml alone (two rows swapped, a row's
cut-off changed) changes what both engines decide, in the same way.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from osteofys import kb
from osteofys.batch import referral
from osteofys.batch.compile import compile_table
from osteofys.batch.derive import finding_types
from osteofys.kb.loader import DATA_DIR, KnowledgeBase, load_from
from osteofys.rules import assess, parse_case
from osteofys.rules.findings import FACTOR_FINDINGS, derive, factor_findings
from osteofys.rules.model import ReferralBasis, Step
from tests.conftest import vary
from tests.rules.test_referral import OTHER, by_table, combinations

BASE = kb.load()


def test_compiled_table_gives_the_cores_basis_on_every_combination() -> None:
    table = BASE.knowledge.referral_table
    groups: dict[int, list[dict[str, Any]]] = {}
    for c in combinations():
        groups.setdefault(id(c["factors"]), []).append(c)
    checked = 0
    for cases in groups.values():
        factors = tuple(cases[0]["factors"])
        rows, wanted = [], []
        for c in cases:
            row: dict[str, Any] = {
                "red_flag": c["red_flag"],
                "neurological_flag": c["neurological"],
                "osteoporosis_diagnosed": c["diagnosed"],
                "age_years": c["age"],
                **OTHER[c["other"]],
            }
            for f in factors:
                row[referral.outcome(f.rule)] = c["present"][f.id]
                if f.strong_rule is not None:
                    row[referral.outcome(f.strong_rule)] = c["strong_when"][f.id]
            rows.append(row)
            steps = [Step(f.id, c["present"][f.id], (), (), (), ()) for f in factors]
            found = factor_findings(factors, steps, c["strong_when"])[0]
            wanted.append({**found, referral.BASIS: by_table(c)[0].value})
        types = finding_types()
        schema = {
            n: pl.Float64 if n == "age_years" else types.get(n, pl.Boolean()) for n in rows[0]
        }
        got = (
            pl.DataFrame(rows, schema=schema)
            .lazy()
            .with_columns(**referral.factor_findings(factors))
            .with_columns(compile_table(table).alias(referral.BASIS))
            .select(*sorted(FACTOR_FINDINGS), referral.BASIS)
            .collect()
            .to_dicts()
        )
        assert got == [{k: w[k] for k in got[0]} for w in wanted]
        checked += len(rows)
    assert checked > 5000


def _edited(tmp_path: Path, old: str, new: str) -> KnowledgeBase:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    path = copy / "referral.toml"
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")
    assert kb.check(copy) == []
    return load_from(copy)


def _both(base: KnowledgeBase, case: dict[str, Any]) -> tuple[ReferralBasis, bool | None, Any]:
    """(the core's basis, its recommendation, the batch engine's refer) for one case."""
    k = base.knowledge
    parsed = parse_case(case, k.input_ranges, k.conditions)
    core = assess(parsed, k).referral
    rules = referral.referral_rules(k)
    found = derive(parsed, k.value("adult_age_years")).values
    types = finding_types()
    names = sorted(rules.reads | {"age_years"})
    row = pl.DataFrame([{n: found[n] for n in names}], schema={n: types[n] for n in names})
    decided = referral.evaluate(row.lazy(), rules).with_columns(**referral.columns(rules))
    return core.basis, core.recommended, decided.collect()["refer"].item()


RED_FLAG_DIAGNOSED = vary(patient__osteoporosis_diagnosed=True, function__new_sudden_back_pain=True)
SMOKER_AT_60 = vary(patient__birth_date="1966-06-01", risk_factors__smoking="current")


def test_swapping_two_rows_changes_both_engines(tmp_path: Path) -> None:
    assert _both(BASE, RED_FLAG_DIAGNOSED) == (ReferralBasis.RED_FLAG, True, True)
    text = (DATA_DIR / "referral.toml").read_text("utf-8")
    head, neurological, red_flag, new_fracture, diagnosed, *rest = text.split("[[row]]")
    assert 'outcome = "red_flag"' in red_flag
    assert 'outcome = "diagnosed"' in diagnosed
    swapped = "[[row]]".join([head, neurological, diagnosed, new_fracture, red_flag, *rest])
    edited = _edited(tmp_path, text, swapped)
    assert _both(edited, RED_FLAG_DIAGNOSED) == (ReferralBasis.DIAGNOSED, False, False)


@pytest.mark.parametrize(
    ("cut_off", "wanted"),
    [
        ("referral_min_age_years", (ReferralBasis.RISK_FACTORS, True, True)),
        ("age_risk_years", (ReferralBasis.UNDER_AGE, False, False)),
    ],
)
def test_a_rows_cut_off_is_what_both_engines_follow(
    tmp_path: Path, cut_off: str, wanted: tuple[Any, ...]
) -> None:
    old = 'when = "risk_factor_any and age_years >= referral_min_age_years"'
    base = _edited(tmp_path, old, old.replace("referral_min_age_years", cut_off))
    assert _both(base, SMOKER_AT_60) == wanted
