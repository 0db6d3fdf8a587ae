"""Runs rules and first-match tables over a findings record, producing trace steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from osteofys.rules.knowledge import Rule, Table, TableRow
from osteofys.rules.model import Step, Tri

_new_step = tuple.__new__


@dataclass(frozen=True, slots=True)
class TableResult:
    outcome: str | None
    step: Step | None
    """The deciding row's step: the first true row, or the unknown row that stopped the table;
    None when no row decided."""
    row: TableRow | None
    unknown: tuple[str, ...]
    """Case fields behind rows that could not be decided."""
    soft: bool
    """True when more data could change the outcome."""


class Evaluation:
    """The findings record being evaluated, with the case fields behind every unknown."""

    def __init__(self, values: dict[str, Any], missing: dict[str, tuple[str, ...]]) -> None:
        self.values = values
        self.missing = missing
        self.steps: list[Step] = []
        self.outcomes: dict[str, Tri] = {}
        self.by_rule: dict[str, Step] = {}
        self.by_outcome: dict[str, Step] = {}
        """The step of the rule that set each named outcome."""
        self.soft: set[str] = set()
        """Names whose value may still change when missing inputs are filled in."""

    def run(self, rule: Rule) -> Step:
        """Evaluate one rule, record its step, and publish its outcome under `rule.sets`."""
        values = self.values
        outcome = rule.run(values)
        provisional = False
        if outcome is None:
            if rule.run_assumed is not None:
                assumed = rule.run_assumed(values)
                if assumed is not None:
                    outcome, provisional = assumed, True
            if outcome is None and rule.run_false_when is not None and rule.run_false_when(values):
                # P7/P8: decided "no" on the tests recorded; a further test may turn it to "yes".
                outcome, provisional = False, True
        soft = self.soft
        if soft and not provisional and not soft.isdisjoint(rule.fields):
            provisional = True
        missing = (
            self.paths(rule.fields) if outcome is None or provisional or rule.report_missing else ()
        )
        name = rule.sets
        if name:
            values[name] = outcome
            if outcome is None:
                self.missing[name] = missing
            if provisional:
                soft.add(name)
        # tuple.__new__ skips the NamedTuple's Python-level __new__: this runs ~50 times a case.
        step: Step = _new_step(
            Step,
            (
                rule.id,
                outcome,
                rule.fields,
                rule.read(values),
                rule.cutoffs,
                rule.sources,
                provisional,
                missing,
            ),
        )
        self.steps.append(step)
        self.outcomes[rule.id] = outcome
        self.by_rule[rule.id] = step
        if name:
            self.by_outcome[name] = step
        return step

    def paths(self, names: tuple[str, ...]) -> tuple[str, ...]:
        out: dict[str, None] = {}
        for name in names:
            if self.values.get(name) is None:
                out.update(dict.fromkeys(self.missing.get(name, ())))
        return tuple(out)

    def table(self, table: Table) -> TableResult:
        """First-match evaluation over the table's rows."""
        unknown: dict[str, None] = {}
        soft = False
        for row in table.rows:
            step = self.run(row.rule)
            soft = soft or step.provisional
            if step.provisional:
                unknown.update(dict.fromkeys(step.missing))
            if step.outcome is True:
                return TableResult(row.outcome, step, row, tuple(unknown), soft)
            if step.outcome is None:
                unknown.update(dict.fromkeys(step.missing))
                if table.stop_on_unknown:
                    return TableResult(table.on_unknown, step, row, tuple(unknown), True)
        return TableResult(table.default, None, None, tuple(unknown), soft or bool(unknown))

    def record(self, rule_id: str, outcome: str | None, sources: tuple[str, ...]) -> None:
        """Add a step decided outside the rule language (a table result, the referral)."""
        self.steps.append(Step(rule_id, outcome, (), (), (), sources))
