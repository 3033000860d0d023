"""Civility's own functional test suite: its size and shape, and `civility evaluate` running it."""

from __future__ import annotations

import json
from collections import Counter

from click.testing import CliRunner

from civility.cli import main
from civility.records import ATTRIBUTES
from civility.training import functional
from civility.training.functional import ALLOWED, FUNCTIONALITIES, passes, suite, trainable_cases


def test_the_suite_has_at_least_1500_unique_cases_over_at_least_30_functionalities():
    cases = suite()
    texts = [c.text for c in cases]
    assert len(cases) >= 1500
    assert len(set(texts)) == len(texts)
    per_functionality = Counter(c.functionality for c in cases)
    assert len(per_functionality) >= 30
    assert min(per_functionality.values()) >= 10


def test_every_functionality_keeps_a_held_out_family_that_training_never_sees():
    trainable = {c.text for c in trainable_cases()}
    for f in FUNCTIONALITIES:
        assert any(fam.held_out for fam in f.families), f.name
        assert any(not fam.held_out for fam in f.families), f.name
    assert not trainable & functional.held_out_texts()
    assert all(not c.held_out for c in trainable_cases())


def test_our_training_templates_never_contain_a_held_out_case():
    from civility.training.synthetic import generate

    assert not {e.text for e in generate()} & functional.held_out_texts()


def test_families_are_named_after_their_functionality_and_never_shared():
    owner: dict[str, str] = {}
    for c in suite():
        assert owner.setdefault(c.family, c.functionality) == c.functionality


def test_cases_cover_every_kind_of_group_and_expected_outcome():
    cases = suite()
    targets = {c.target for c in cases if c.target}
    for group in ("Azerbaijanis", "Armenians", "Muslims", "Jews", "Roma", "Women",
                  "Transgender people", "Disabled people", "Immigrants", "Refugees",
                  "Elderly people"):
        assert group in targets, group
    assert {c.expect for c in cases} == set(ALLOWED)
    assert {c.attribute for c in cases if c.attribute} <= set(ATTRIBUTES)


def test_a_case_passes_only_on_the_decisions_its_expectation_allows():
    def case(expect: functional.Expect) -> functional.Case:
        return functional.Case("x", "x/y", "text", expect)

    assert passes(case("hold"), "review") and passes(case("hold"), "reject")
    assert not passes(case("hold"), "publish")
    assert passes(case("review"), "review") and not passes(case("review"), "reject")
    assert passes(case("not_reject"), "publish") and not passes(case("not_reject"), "reject")


def test_slot_values_that_start_a_sentence_are_capitalised():
    assert functional._fill("Typical. {P} lie.", {"P": "women"}) == "Typical. Women lie."
    assert functional._fill("I met {P}.", {"P": "women"}) == "I met women."
    assert functional._fill("{A} trash", {"A": None}) is None


def test_targets_are_the_attacked_never_the_actor_nor_a_group_merely_quoted():
    cases = [c for c in suite() if c.family == "threat_country/actor"]
    assert cases
    assert all(c.target and c.not_target and c.target != c.not_target for c in cases)
    published = [c for c in suite() if c.functionality == "counter_speech"]
    assert all(c.target is None and c.not_target for c in published)


def test_subset_takes_cases_from_every_functionality_and_spreads_over_families():
    picked = functional.subset(suite(), 4)
    per_functionality = Counter(c.functionality for c in picked)
    assert set(per_functionality) == {f.name for f in FUNCTIONALITIES}
    assert max(per_functionality.values()) == 4
    assert len({c.family for c in picked if c.functionality == "threat_individual"}) == 3


def test_evaluate_prints_the_per_functionality_table_without_the_datasets(tmp_path):
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(
        main,
        ["evaluate", "--data", str(tmp_path / "absent"), "--only", "functional",
         "--limit", "2", "--json", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "functional suite only" in result.output
    for f in FUNCTIONALITIES:
        assert f.name in result.output
    assert "overall" in result.output
    rows = json.loads(out.read_text())
    assert {r["section"] for r in rows} == {"functional"}
    overall = next(r for r in rows if r["dataset"] == "overall")
    assert overall["n"] == 2 * len(FUNCTIONALITIES)
    assert 0.0 <= overall["metrics"]["accuracy"] <= 1.0


def test_evaluate_rejects_an_unknown_part_by_name(tmp_path):
    result = CliRunner().invoke(
        main, ["evaluate", "--data", str(tmp_path), "--only", "functional", "--only", "nope"]
    )
    assert result.exit_code != 0
    assert "nope" in result.output


def test_a_threshold_fitted_on_validation_is_the_best_cut_and_prefers_even_odds_on_ties():
    import numpy as np

    from civility.training.evaluate import fit_threshold

    y = np.array([False, False, False, True, True, True])
    p = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    assert fit_threshold(y, p) == 0.5  # every cut in (0.3, 0.7] separates them: nearest 0.5
    shifted = np.array([0.1, 0.2, 0.62, 0.66, 0.8, 0.9])
    assert fit_threshold(y, shifted) == 0.63


def test_the_failures_reported_never_include_a_held_out_case():
    from civility.records import Verdict

    negated = [c for c in suite() if c.functionality == "negated_hate"]
    # Held-out cases first, so that a report of the first failures would meet them first.
    cases = [c for c in negated if c.held_out][:6] + [c for c in negated if not c.held_out][:3]
    verdicts = [Verdict(id=str(i), text=c.text, attributes={}, targets=(), spans=(),
                        decision="reject", reasons=(), model_version="test")
                for i, c in enumerate(cases)]
    (score,) = functional.score_suite(cases, verdicts)
    assert score.correct == 0 and score.n == 9
    assert sorted(score.failures) == sorted(f"reject: {c.text}" for c in cases[6:])
