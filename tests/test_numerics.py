"""Numerics picked for the CPU: fp32 and int8 agree, and a comment's scores are its own."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from civility.model import NeuralScorer, shared_scorer
from civility.moderator import Moderator
from civility.numerics import ENV, CpuInfo, choose, cpu_info
from civility.read import read_page
from civility.training.functional import subset, suite
from tests.helpers import EXAMPLE_PAGE, needs_example

#: Largest difference in any calibrated score between the fp32 and int8 paths. int8 rounds
#: every matrix product's input to 256 levels; measured on 352 functional-suite texts: median
#: 0.014, 95th percentile 0.05, largest 0.10 (README "Speed").
TOLERANCE = 0.12
TYPICAL = 0.06

def _cpu(*flags: str) -> CpuInfo:
    return CpuInfo(model="test", machine="x86_64", flags=frozenset(flags))


@pytest.fixture(scope="module")
def int8() -> NeuralScorer:
    return NeuralScorer(numerics="int8", remember=0)


@pytest.fixture(scope="module")
def fp32() -> NeuralScorer:
    return NeuralScorer(numerics="fp32", remember=0)


def _scores(scorer: NeuralScorer, texts: list[str]) -> np.ndarray:
    return np.array([list(o.scores.values()) for o in scorer.predict(texts)])


def test_a_cpu_without_an_int8_dot_product_gets_fp32(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert choose(cpu=_cpu("avx2", "fma")) == "fp32"
    assert choose(cpu=_cpu("avx2", "avx512f")) == "fp32"


def test_a_cpu_with_vnni_or_amx_keeps_int8(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert choose(cpu=_cpu("avx2", "avx512f", "avx512_vnni")) == "int8"
    assert choose(cpu=_cpu("avx2", "avx_vnni")) == "int8"
    assert choose(cpu=_cpu("avx2", "amx_tile", "amx_int8")) == "int8"


def test_the_environment_overrides_the_cpu_and_nonsense_is_refused(monkeypatch):
    monkeypatch.setenv(ENV, "fp32")
    assert choose(cpu=_cpu("avx512_vnni")) == "fp32"
    monkeypatch.setenv(ENV, "int8")
    assert choose(cpu=_cpu("avx2")) == "int8"
    assert choose("fp32", cpu=_cpu("avx512_vnni")) == "fp32"
    monkeypatch.setenv(ENV, "fp16")
    with pytest.raises(ValueError, match="int8, fp32"):
        choose()


def test_this_machines_cpu_is_described_with_its_vector_features():
    line = cpu_info().describe()
    assert line.startswith("CPU: ") and "default numerics" in line


def test_the_fp32_graph_has_no_int8_products_and_the_scorer_says_which_it_runs(fp32, int8):
    import onnx

    from civility.numerics import fp32_model

    graph = onnx.load_from_string(fp32_model(fp32.info.path / "model.onnx")).graph
    ops = {n.op_type for n in graph.node}
    assert not ops & {"MatMulInteger", "QAttention", "DynamicQuantizeLinear"}
    assert {"MatMul", "Attention"} <= ops
    assert (fp32.numerics, int8.numerics) == ("fp32", "int8")


def test_the_fp32_conversion_is_cached_for_later_processes_and_optional(monkeypatch, tmp_path,
                                                                       fp32):
    from civility.numerics import fp32_graph

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = fp32.info.path / "model.onnx"
    first = fp32_graph(source)
    assert isinstance(first, str) and first.startswith(str(tmp_path / "cache" / "civility"))
    assert fp32_graph(source) == first
    text = ["You are an idiot."]
    assert NeuralScorer(numerics="fp32").predict(text)[0].scores == fp32.predict(text)[0].scores
    (tmp_path / "blocked").write_text("a file where the cache directory would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "blocked"))
    assert isinstance(fp32_graph(source), bytes)


def test_the_fp32_cache_is_keyed_by_content_and_keeps_one_copy_per_model(monkeypatch,
                                                                          tmp_path, fp32):
    import shutil

    from civility.numerics import fp32_graph

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cache_dir = tmp_path / "cache" / "civility"
    cache_dir.mkdir(parents=True)
    stale = cache_dir / "minilm-17384898-1796228247924512258-fp32.onnx"  # mtime-keyed, old
    other = cache_dir / "other-17384898-1796228247924512258-fp32.onnx"  # another model
    stale.write_bytes(b"old")
    other.write_bytes(b"other")
    (tmp_path / "minilm").mkdir()
    source = tmp_path / "minilm" / "model.onnx"
    shutil.copyfile(fp32.info.path / "model.onnx", source)
    first = fp32_graph(source)
    assert not stale.exists() and other.exists()
    os.utime(source, ns=(1, 1))  # a checkout rewrites the file: same content, new mtime
    assert fp32_graph(source) == first
    assert sorted(p.name for p in cache_dir.iterdir()) == sorted([other.name,
                                                                   Path(first).name])


def test_fp32_and_int8_scores_agree_on_the_functional_suite(fp32, int8):
    texts = [c.text for c in subset(suite(), 8)][:400]
    assert len(texts) >= 200
    diff = np.abs(_scores(fp32, texts) - _scores(int8, texts)).max(axis=1)
    assert diff.max() < TOLERANCE, texts[int(diff.argmax())]
    assert np.quantile(diff, 0.95) < TYPICAL


@needs_example
def test_fp32_and_int8_decide_the_example_page_alike(monkeypatch, fp32, int8):
    page = read_page(EXAMPLE_PAGE)
    texts = [c.text for c in page.comments]
    assert np.abs(_scores(fp32, texts) - _scores(int8, texts)).max() < TOLERANCE
    decisions = {}
    for numerics in ("int8", "fp32"):
        monkeypatch.setenv(ENV, numerics)
        moderator = Moderator()
        assert moderator.scorer.numerics == numerics
        decisions[numerics] = [v.decision for v in moderator.moderate_page(page)]
    assert len(decisions["int8"]) == 14
    assert decisions["int8"] == decisions["fp32"]


@pytest.mark.parametrize("numerics", ["int8", "fp32", None])
def test_a_comments_scores_do_not_depend_on_what_it_is_batched_with(numerics):
    """None: this machine's default numerics."""
    scorer = NeuralScorer(numerics=numerics, remember=0)  # nothing remembered between calls
    assert scorer.numerics == shared_scorer(None, numerics=numerics).numerics
    comment = "You are an idiot and everyone on this thread knows it."
    others = [
        "ok",
        "The council's budget report, published on Tuesday, shows that spending on roads "
        "rose by 4 % while the bus subsidy was cut for the third year running. " * 4,
        "KILL THEM ALL!!! 🔫🔫🔫 f u c k i n g v3rm1n",
        "Merci pour cet article très intéressant.",
        "Great piece, thanks.",
    ]
    alone = scorer.predict([comment])[0]
    batched = scorer.predict([*others, comment, *others[::-1]])[len(others)]
    assert alone.scores == pytest.approx(batched.scores, abs=1e-6)
    assert alone.token_scores == pytest.approx(batched.token_scores, abs=1e-6)


def test_repeated_texts_are_read_once_and_each_gets_its_own_result(monkeypatch):
    scorer = NeuralScorer()
    flood = ["Buy cheap watches at example dot com!!!"] * 50
    texts = [*flood[:25], "You are an idiot.", *flood[25:]]
    read: list[int] = []
    run = scorer._run

    def counting(windows, which):  # type: ignore[no-untyped-def]
        which = list(which)
        read.append(len(which))
        return run(windows, which)

    monkeypatch.setattr(scorer, "_run", counting)
    outs = scorer.predict(texts, with_embeddings=[i == 30 for i in range(len(texts))])
    assert sum(read) == 2
    expected = NeuralScorer().predict(["Buy cheap watches at example dot com!!!",
                                     "You are an idiot."], with_embeddings=True)
    assert outs[0].scores == pytest.approx(expected[0].scores, abs=1e-6)
    assert outs[25].scores == pytest.approx(expected[1].scores, abs=1e-6)
    assert outs[30].embedding is not None
    outs[0].scores["toxicity"] = 1.0
    assert outs[1].scores["toxicity"] != 1.0


def test_a_text_seen_in_an_earlier_call_is_not_read_again_unless_told_to_forget(monkeypatch):
    for remember, reads in ((4096, 1), (0, 2)):  # windows read over the two calls
        scorer = NeuralScorer(remember=remember)
        read: list[int] = []
        run = scorer._run

        def counting(windows, which, run=run, read=read):  # type: ignore[no-untyped-def]
            which = list(which)
            read.append(len(which))
            return run(windows, which)

        monkeypatch.setattr(scorer, "_run", counting)
        first = scorer.predict(["Same spam again and again"])[0]
        again = scorer.predict(["Same spam again and again"])[0]
        assert sum(read) == reads
        assert again.scores == first.scores and again is not first


@needs_example
def test_the_command_line_runs_the_numerics_it_is_told_and_refuses_others():
    from tests.test_cli import civility

    ran = civility("--numerics", "fp32", "moderate", str(EXAMPLE_PAGE), "--json")
    assert ran.returncode == 0, ran.stderr
    assert len(json.loads(ran.stdout)["comments"]) == 14
    refused = civility("--numerics", "fp16", "moderate", str(EXAMPLE_PAGE))
    assert refused.returncode != 0 and "fp16" in refused.stderr
    assert "Traceback" not in refused.stderr
