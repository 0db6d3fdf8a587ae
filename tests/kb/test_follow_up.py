"""The follow-up knowledge (issue 16): progression rules, their numbers and the MDC of each test
are checked strictly; each check is shown failing on a broken copy of the knowledge base."""

from __future__ import annotations

from pathlib import Path

from osteofys import kb
from osteofys.kb import Code
from osteofys.kb.loader import KnowledgeBase
from osteofys.rules.progress import RULES
from tests.kb.problems import edit, problems_at

PROGRESSION = "progression.toml"
RETESTS = "retests.toml"


def test_the_shipped_follow_up_knowledge_is_complete(shipped: KnowledgeBase) -> None:
    k = shipped.knowledge
    fu = k.follow_up
    assert fu.retest_weeks == (8, 12)
    assert (fu.sessions_to_progress, fu.effort_max_to_progress, fu.inactive_days) == (2, 7, 14)
    # The pain limit is the threshold's, with its evidence and sources: one owner.
    pain = fu.settings["pain_flag_above"]
    threshold = k.thresholds["pain_activity_caution_max"]
    assert (pain.value, pain.threshold) == ((int(threshold.value),), threshold.id)
    assert (pain.evidence, pain.sources) == (threshold.evidence, threshold.sources)
    assert fu.pain_flag_above == int(threshold.value)
    for name, setting in fu.settings.items():
        assert setting.evidence, name
        assert setting.sources, name
    assert set(k.progression_rules) == set(RULES)
    for rid, rule in k.progression_rules.items():
        assert rule.step == RULES[rid].value
        assert set(rule.text) == {"da", "en"}


def test_a_missing_number_is_named(data: Path) -> None:
    edit(
        data / PROGRESSION,
        "[follow_up.inactive_days]\nvalue = 14",
        "[follow_up.inactive_weeks]\nvalue = 2",
    )
    problems = kb.check(data)
    problems_at(problems, Code.FOLLOW_UP, "progression.follow_up", "inactive_days")
    problems_at(problems, Code.FOLLOW_UP, "progression.follow_up.inactive_weeks")


def test_a_number_has_one_owner(data: Path) -> None:
    text = (data / RETESTS).read_text("utf-8")
    (data / RETESTS).write_text(
        text + '\n[follow_up.inactive_days]\nvalue = 21\nunit = "days"\nevidence = "DERIVED"\n'
        'sources = ["S34"]\n',
        "utf-8",
    )
    problems_at(kb.check(data), Code.FOLLOW_UP, "retests.follow_up.inactive_days", "progression")


def test_a_number_must_be_whole_and_have_a_unit(data: Path) -> None:
    edit(
        data / PROGRESSION,
        "[follow_up.sessions_to_progress]\nvalue = 2",
        "[follow_up.sessions_to_progress]\nvalue = 1.5",
    )
    edit(data / PROGRESSION, 'value = 14\nunit = "days"', "value = 14")
    problems = kb.check(data)
    problems_at(problems, Code.FOLLOW_UP, "progression.follow_up.sessions_to_progress", "whole")
    problems_at(problems, Code.FOLLOW_UP, "progression.follow_up.inactive_days", "unit")


def test_the_retest_interval_is_a_range(data: Path) -> None:
    edit(data / RETESTS, "value = [8, 12]", "value = [12, 8]")
    problems_at(kb.check(data), Code.FOLLOW_UP, "retests.follow_up.retest_weeks", "[low, high]")


def test_an_effort_is_on_the_0_10_scale(data: Path) -> None:
    edit(
        data / PROGRESSION,
        "[follow_up.effort_max_to_progress]\nvalue = 7",
        "[follow_up.effort_max_to_progress]\nvalue = 17",
    )
    problems_at(
        kb.check(data), Code.FOLLOW_UP, "progression.follow_up.effort_max_to_progress", "0-10"
    )


def test_a_threshold_reference_must_exist_and_own_the_number(data: Path) -> None:
    edit(data / PROGRESSION, 'threshold = "pain_activity_caution_max"', 'threshold = "pain_max"')
    problems_at(kb.check(data), Code.FOLLOW_UP, "progression.follow_up.pain_flag_above", "pain_max")
    edit(
        data / PROGRESSION,
        'threshold = "pain_max"',
        'threshold = "pain_activity_caution_max"\nvalue = 4',
    )
    problems_at(kb.check(data), Code.FOLLOW_UP, "progression.follow_up.pain_flag_above", "owns")


def test_a_number_needs_known_sources_and_evidence(data: Path) -> None:
    edit(
        data / PROGRESSION,
        'evidence = "DERIVED"\nsources = ["S34"]\nnote = "No session',
        'evidence = "GUESS"\nsources = ["S99"]\nnote = "No session',
    )
    problems = kb.check(data)
    problems_at(problems, Code.UNKNOWN_EVIDENCE, "progression.follow_up.inactive_days", "GUESS")
    problems_at(problems, Code.UNKNOWN_SOURCE, "progression.follow_up.inactive_days", "S99")


def test_the_rules_are_exactly_the_cores(data: Path) -> None:
    edit(data / PROGRESSION, "[rule.keep_going]", "[rule.keep_on]")
    problems = kb.check(data)
    problems_at(problems, Code.PROGRESSION_RULE, "progression.rule", "keep_going")
    problems_at(problems, Code.PROGRESSION_RULE, "progression.rule.keep_on")


def test_a_rule_has_the_cores_step(data: Path) -> None:
    edit(
        data / PROGRESSION, '[rule.pain_during]\nstep = "down"', '[rule.pain_during]\nstep = "stay"'
    )
    problems_at(kb.check(data), Code.PROGRESSION_RULE, "progression.rule.pain_during", "down")


def test_a_reason_uses_only_the_rules_facts(data: Path) -> None:
    edit(
        data / PROGRESSION,
        "Smerte under træningen {pain_during}/10",
        "Smerte under træningen {pain}/10",
    )
    problems_at(
        kb.check(data), Code.PLACEHOLDER_UNKNOWN, "progression.rule.pain_during.text.da", "{pain}"
    )


def test_a_reason_needs_both_languages(data: Path) -> None:
    edit(
        data / PROGRESSION,
        ', en = "The exercise was not done at the session on {date}: stay at the same level."',
        "",
    )
    problems_at(kb.check(data), Code.TEXT_MISSING, "progression.rule.not_done.text")


def test_the_words_of_steps_and_verdicts_are_required(data: Path) -> None:
    edit(data / PROGRESSION, 'stop = { da = "Stop og genvurdér", en = "Stop and reassess" }\n', "")
    edit(data / RETESTS, 'worse = { da = "reel forværring", en = "a real decline" }\n', "")
    problems = kb.check(data)
    problems_at(problems, Code.TEXT_MISSING, "progression.step", "stop")
    problems_at(problems, Code.TEXT_MISSING, "retests.verdict", "worse")


def test_every_test_has_an_mdc_entry(data: Path) -> None:
    edit(data / RETESTS, "[mdc.grip_kg]", "[mdc.grip_strength]")
    problems = kb.check(data)
    problems_at(problems, Code.MDC, "retests.mdc", "grip_kg")
    problems_at(problems, Code.MDC, "retests.mdc.grip_strength", "not a function test")


def test_an_mdc_value_is_a_positive_number_with_a_direction(data: Path) -> None:
    edit(data / RETESTS, "value = 2.08", "value = -2.08")
    edit(
        data / RETESTS,
        'value = 2.5\nunit = "s"\nbetter = "lower"',
        'value = 2.5\nunit = "s"\nbetter = "faster"',
    )
    problems = kb.check(data)
    problems_at(problems, Code.MDC, "retests.mdc.tug_s", "positive")
    problems_at(problems, Code.MDC, "retests.mdc.sit_to_stand_5x_s", "lower")


def test_a_value_needs_its_population_and_sources(data: Path) -> None:
    edit(
        data / RETESTS,
        'sources = ["X08"]\npopulation = { da = "hjemmeboende voksne ≥ 50 år", '
        'en = "community-dwelling adults aged 50 or over" }\n',
        "",
    )
    problems = kb.check(data)
    problems_at(problems, Code.MDC, "retests.mdc.tug_s", "population")
    problems_at(problems, Code.SOURCES_MISSING, "retests.mdc.tug_s")


def test_no_value_needs_a_note_saying_so(data: Path) -> None:
    text = (data / RETESTS).read_text("utf-8")
    start = text.index('note = { da = "Der er ikke fundet en MDC for tandemstående')
    end = text.index("\n", start)
    (data / RETESTS).write_text(text[:start] + text[end + 1 :], "utf-8")
    problems_at(kb.check(data), Code.MDC, "retests.mdc.tandem_stance_s", "note")


def test_an_mdc_phrase_must_be_known(data: Path) -> None:
    edit(data / RETESTS, 'phrase = "meaningful"', 'phrase = "roughly"')
    problems_at(kb.check(data), Code.MDC, "retests.mdc.gait_speed_m_s", "phrase")


def test_an_mdc_source_must_be_on_an_allowed_host(data: Path) -> None:
    edit(data / "hosts.toml", '    "dro.deakin.edu.au",', "")
    problems_at(kb.check(data), Code.SOURCE_HOST, "sources.X10", "dro.deakin.edu.au")
