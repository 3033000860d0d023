"""Retraining from the shipped ONNX model: its weights come back exactly, new data stays honest."""

from __future__ import annotations

import random

import click
import numpy as np
import pytest

from civility.training import newsroom
from civility.training.noisy import disguise, misspell


def test_a_misspelling_changes_the_word_but_keeps_most_of_its_letters():
    rng = random.Random(0)
    for word in ("idiot", "stupid", "vermin", "kill", "refugees"):
        for _ in range(50):
            wrong = misspell(word, rng)
            assert wrong != word
            assert abs(len(wrong) - len(word)) <= 1


def test_disguise_misspells_the_charged_words_and_leaves_neutral_ones_at_rate_zero():
    text = "honestly the author is an idiot and stupid"
    out = disguise(text, random.Random(1), charged=1.0, neutral=0.0)
    assert out.split()[:4] == text.split()[:4]
    assert "idiot" not in out and "stupid" not in out


def test_newsroom_templates_teach_both_sides_for_the_new_groups():
    examples = newsroom.generate(13)
    harmful = [e for e in examples if e.labels.get("toxicity") == 1.0]
    harmless = [e for e in examples if e.labels.get("toxicity") == 0.0]
    assert len(harmful) > 2000 and len(harmless) > 2000
    women_hate = [e for e in harmful if "women" in e.text.lower()]
    women_fine = [e for e in harmless if "women" in e.text.lower()]
    assert women_hate and women_fine
    assert all(e.labels.get("identity_attack") == 1.0 for e in women_hate)


def test_no_held_out_functional_text_ever_becomes_training_data():
    from civility.training.functional import held_out_texts

    held = held_out_texts()
    assert held, "the functional suite should hold some families out"
    training = newsroom.functional_examples() + newsroom.generate(13)
    assert not {e.text for e in training} & held
    cases = newsroom.functional_examples()
    assert cases and all(e.source == "functional" for e in cases)


def test_refresh_sizes_are_three_counts_and_limit_caps_them():
    from civility.training.cli import _sizes

    assert _sizes("2400,3000,1500", None) == (2400, 3000, 1500)
    assert _sizes("2400,3000,1500", 100) == (100, 100, 100)
    with pytest.raises(click.BadParameter):
        _sizes("2400,3000", None)


def test_the_shipped_onnx_weights_load_back_into_the_training_network():
    torch = pytest.importorskip("torch")
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from civility.numerics import fp32_model
    from civility.training.cli import PACKAGED_MODEL as model_dir
    from civility.training.onnx_teacher import load_onnx_student

    net = load_onnx_student(model_dir)
    session = ort.InferenceSession(fp32_model(model_dir / "model.onnx"))
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    for text in ("you are an idiot and I hope you die", "the weather in Baku is nice"):
        ids = np.array([tok.encode(text).ids])
        mask = np.ones_like(ids)
        with torch.no_grad():
            logits, tokens, _ = net(torch.tensor(ids), torch.tensor(mask))
        want = session.run(None, {"input_ids": ids, "attention_mask": mask})
        np.testing.assert_allclose(logits.numpy(), want[0], atol=1e-3)
        np.testing.assert_allclose(tokens.numpy(), want[1], atol=1e-3)


def test_blend_moves_weights_the_given_share_of_the_way_back_to_the_base():
    torch = pytest.importorskip("torch")
    from civility.training.onnx_teacher import blend

    net = torch.nn.Linear(3, 2)
    base = {k: torch.zeros_like(v) for k, v in net.state_dict().items()}
    trained = {k: v.clone() for k, v in net.state_dict().items()}
    blend(net, base, 0.5)
    for k, v in net.state_dict().items():
        torch.testing.assert_close(v, trained[k] / 2)
    blend(net, base, 0.0)
    assert all(not v.any() for v in net.state_dict().values())
