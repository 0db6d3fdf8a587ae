"""Runs rules and first-match tables over a findings record, producing trace steps."""

from __future__ import annotations

from typing import Any

from osteofys.rules.knowledge import Rule, Table
from osteofys.rules.model import Step, Tri


class Evaluation:
    """The findings record being evaluated, with the case fields behind every unknown."""

    def __init__(self, values: dict[str, Any], missing: dict[str, tuple[str, ...]]) -> None:
        self.values = values
        self.missing = missing
        self.steps: list[Step] = []
        self.outcomes: dict[str, Tri] = {}

    def run(self, rule: Rule) -> Step:
        """Evaluate one rule, record its step, and publish its outcome under `rule.sets`."""
        values = self.values
        outcome = rule.run(values)
        provisional = False
        if outcome is None and rule.run_assumed is not None:
            assumed = rule.run_assumed(values)
            if assumed is not None:
                outcome, provisional = assumed, True
        if outcome is None and rule.run_false_when is not None and rule.run_false_when(values):
            outcome = False
        missing: tuple[str, ...] = ()
        if outcome is None or provisional or rule.report_missing:
            missing = self.paths(rule.fields)
        if rule.sets:
            values[rule.sets] = outcome
            if outcome is None:
                self.missing[rule.sets] = missing
        step = Step(
            rule.id,
            outcome,
            tuple((f, values[f]) for f in rule.fields),
            rule.cutoffs,
            rule.sources,
            provisional,
            missing,
        )
        self.steps.append(step)
        self.outcomes[rule.id] = outcome
        return step

    def paths(self, names: tuple[str, ...]) -> tuple[str, ...]:
        out: dict[str, None] = {}
        for name in names:
            if self.values.get(name) is None:
                out.update(dict.fromkeys(self.missing.get(name, ())))
        return tuple(out)

    def table(self, table: Table) -> tuple[str | None, Step | None, tuple[str, ...]]:
        """First-match evaluation. Returns the outcome, the matching row's step and the unknowns."""
        unknown: dict[str, None] = {}
        for row in table.rows:
            step = self.run(row.rule)
            if step.outcome is True:
                return row.outcome, step, tuple(unknown)
            if step.outcome is None:
                unknown.update(dict.fromkeys(step.missing))
                if table.stop_on_unknown:
                    return None, None, tuple(unknown)
        return table.default, None, tuple(unknown)

    def record(self, rule_id: str, outcome: str | None, sources: tuple[str, ...]) -> None:
        """Add a step decided outside the rule language (a table result, the referral)."""
        self.steps.append(Step(rule_id, outcome, (), (), sources))
