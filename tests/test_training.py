"""Training is reproducible code, not a one-off: a tiny run trains, exports and loads."""

from __future__ import annotations

import pytest

from civility.records import MODEL_ATTRIBUTES
from civility.training.datasets import hash_split, load_all
from civility.training.evaluate import span_f1
from tests.helpers import DATA, needs_data


def test_hash_split_is_stable_and_roughly_proportional():
    splits = [hash_split(f"key{i}") for i in range(5000)]
    assert splits == [hash_split(f"key{i}") for i in range(5000)]
    assert 0.07 < splits.count("test") / 5000 < 0.13


def test_span_f1_follows_the_semeval_definition():
    assert span_f1([set()], [set()]) == 1.0
    assert span_f1([{1, 2}], [set()]) == 0.0
    assert span_f1([{1, 2, 3, 4}], [{3, 4}]) == pytest.approx(2 / 3)


@needs_data
def test_every_dataset_maps_only_onto_known_attributes_and_keeps_its_test_split():
    examples = load_all(DATA)
    assert {a for e in examples for a in e.labels} <= set(MODEL_ATTRIBUTES)
    sources_with_tests = {e.source for e in examples if e.split == "test"}
    assert {"hatexplain", "olid", "toxic_spans", "hatemoji", "convabuse"} <= sources_with_tests


@needs_data
def test_toxic_spans_test_posts_never_leak_into_training():
    examples = load_all(DATA)
    test_texts = {
        e.text.strip() for e in examples if e.source == "toxic_spans" and e.split == "test"
    }
    assert not any(
        e.text.strip() in test_texts
        for e in examples
        if e.source == "toxic_spans" and e.split == "train"
    )


@needs_data
def test_a_tiny_training_run_exports_a_model_that_scores(tmp_path):
    pytest.importorskip("torch")
    from civility.model import NeuralScorer
    from civility.training.export import export
    from civility.training.train import train

    train(DATA, tmp_path / "run", epochs=1.0, limit=64, batch_size=16)
    export(tmp_path / "run", tmp_path / "model", version="test")
    scorer = NeuralScorer(tmp_path / "model")
    (out,) = scorer.predict(["a tiny smoke test"])
    assert set(out.scores) == set(MODEL_ATTRIBUTES)
    assert (tmp_path / "model" / "model.onnx").stat().st_size < 30_000_000

    # The shipped student: the same outputs from half the layers, half the cost per token.
    from civility.training.distill import distill

    distill(DATA, tmp_path / "run", tmp_path / "student", layers=(0, 2, 4), epochs=1.0, limit=64)
    export(tmp_path / "student", tmp_path / "student-model", version="test")
    student = NeuralScorer(tmp_path / "student-model")
    (out,) = student.predict(["a tiny smoke test"])
    assert set(out.scores) == set(MODEL_ATTRIBUTES)
    assert _attention_layers(tmp_path / "student-model") == 3
    assert _attention_layers(tmp_path / "model") == 6


def _attention_layers(model_dir) -> int:
    import onnx

    graph = onnx.load(str(model_dir / "model.onnx")).graph
    return sum(node.op_type in ("Attention", "QAttention") for node in graph.node)


@needs_data
def test_the_screen_is_distilled_from_a_model_and_calibrated_per_level(tmp_path):
    pytest.importorskip("torch")
    import shutil

    from civility.model import NeuralScorer
    from civility.screen import Screen
    from civility.training.screen import LEVELS, train_screen

    model = tmp_path / "model"
    shutil.copytree(NeuralScorer().info.path, model)
    (model / "screen.npz").unlink()
    train_screen(DATA, model, limit=400)
    screen = Screen.load(model)
    assert screen is not None and set(screen.margins) <= set(LEVELS)
    assert all(0.0 <= screen.report[f"recall@{level}"] <= 1.0 for level in screen.margins)
    assert NeuralScorer(model).screen is not None


@needs_data
def test_the_student_also_learns_from_what_the_source_caps_leave_out():
    from civility.training.train import SOURCE_CAPS, training_set

    overflow = []
    train, _ = training_set(DATA, 13, overflow=overflow)
    assert {e.source for e in overflow} <= set(SOURCE_CAPS)
    assert sum(e.source == "davidson" for e in train) == SOURCE_CAPS["davidson"]
    assert len(overflow) > 10_000
    # The same mix as without the leftovers, so the teacher's run is reproduced exactly.
    assert [e.text for e in training_set(DATA, 13)[0]] == [e.text for e in train]


def test_each_student_layer_stands_in_for_the_teacher_layers_up_to_the_next_kept_one():
    pytest.importorskip("torch")
    from civility.training.distill import matched_layers

    assert matched_layers((0, 2, 4), 6) == [1, 3, 5]
    assert matched_layers((0, 1, 2), 6) == [0, 1, 5]  # the last always learns the final output
    assert matched_layers((0,), 6) == [5]


def test_a_training_run_writes_under_a_new_runs_folder_not_over_the_shipped_model():
    from datetime import datetime
    from pathlib import Path

    from civility.training.cli import plan_outputs

    plan = plan_outputs(None, None, None, now=datetime(2025, 7, 4, 9, 30, 5))
    assert plan.run_dir == Path("runs/train-20250704-093005")
    assert plan.out == plan.run_dir / "model"
    assert plan.version == "local-20250704-093005"
    again = plan_outputs(None, None, "4", now=datetime(2025, 7, 4, 9, 31, 0))
    assert again.run_dir != plan.run_dir and again.version == "4"


def test_training_refuses_to_write_into_the_packaged_model_without_the_flag(tmp_path):
    from click.testing import CliRunner

    from civility.cli import main
    from civility.training.cli import PACKAGED_MODEL

    pytest.importorskip("torch")
    before = {p.name: p.stat().st_mtime_ns for p in PACKAGED_MODEL.iterdir()}
    for out in (PACKAGED_MODEL, PACKAGED_MODEL / "sub" / ".."):
        result = CliRunner().invoke(main, ["train", "--data", str(tmp_path), "--out", str(out),
                                           "--run-dir", str(tmp_path / "run")])
        assert result.exit_code == 2, result.output
        assert "ships with Civility" in result.output and "--replace-packaged" in result.output
    result = CliRunner().invoke(main, ["train", "--screen-only", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "--out DIR" in result.output
    assert {p.name: p.stat().st_mtime_ns for p in PACKAGED_MODEL.iterdir()} == before
    assert not (tmp_path / "run").exists()


def test_the_readme_reproduces_the_shipped_model_with_the_default_epochs():
    import json
    import re

    from civility.training.cli import PACKAGED_MODEL, train_cmd
    from tests.helpers import REPO

    meta = json.loads((PACKAGED_MODEL / "meta.json").read_text())
    defaults = {p.name: p.default for p in train_cmd.params}
    assert defaults["epochs"] == meta["epochs"]
    commands = re.findall(r"civility train [^#\n`]*", (REPO / "README.md").read_text())
    assert commands, "the README shows how to train"
    if "teacher-onnx" in meta.get("distilled_from", ""):
        # A model refreshed from its predecessor's ONNX: the README gives that step's epochs.
        refresh = [c for c in commands if "--teacher-onnx" in c]
        assert refresh, "the README shows the refresh step that made the shipped model"
        assert f"--student-epochs {meta['distill_epochs']:g}" in refresh[0]
        assert f"--version {meta['version']}" in refresh[0]
    else:
        assert defaults["student_epochs"] == meta["distill_epochs"]
    for command in commands:  # the README leaves the epochs to the defaults it describes
        assert "--epochs" not in command or f"--epochs {meta['epochs']:g}" in command
