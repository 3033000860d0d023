"""Throughput, memory and scaling of ``civility score`` against PyTorch baselines, in one run.

Prints figures; it is not a test. On the same generated comments (default 10k):

1. Civility end to end (the real CLI, all cores): comments/s and peak RSS of
   the whole process tree (main process plus workers), as shipped and with
   ``--no-screen`` (every comment through the transformer);
2. a Detoxify-sized baseline: a BERT-base classifier in PyTorch built from
   ``transformers.BertConfig()`` with random weights (speed does not depend on
   them), and all-MiniLM-L6-v2 in PyTorch; both truncate at 128 tokens, pad each
   batch to its longest text, and are timed after loading (in their favour);
3. the ratios;
4. how Civility's time grows with input size (10k, 100k; 1M with ``--full``)
   and with workers (1, 2);
5. with ``--numerics int8,fp32``: the transformer alone in this process under
   each numerics (µs per word piece, every comment read, no screen), and
   ``civility score`` end to end under each.

``--texts FILE.jsonl`` (one ``{"text": ...}`` per line) scores those comments
instead of generated ones, e.g. Civil Comments texts from Toxic Spans. The CPU
model and its vector features are printed first: figures only compare within
one CPU kind (see README "Speed").

Usage::

    CIVILITY_MODEL=runs/smoke/export python benchmarks/throughput.py            # ~15 min on 2 cores
    python benchmarks/throughput.py --full                                       # adds 1M rows
    python benchmarks/throughput.py --n 1000 --sizes 1000,5000 --no-baselines    # a quick look
    python benchmarks/throughput.py --compare-model runs/train/teacher-export    # vs. the teacher
    python benchmarks/throughput.py --texts civil.jsonl --n 1000 --numerics int8,fp32 \
        --sizes 1000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from score_speed import baseline_run, civility_run, comments_file

from civility.numerics import NUMERICS, cpu_info


def _ints(text: str) -> list[int]:
    return [int(x.replace("_", "").replace("k", "000").replace("M", "000000"))
            for x in text.split(",") if x]


def given_texts(source: Path, n: int, directory: Path) -> Path:
    """The first ``n`` comments of a JSONL file, checked, as a file ``civility score`` reads."""
    path = directory / f"texts-{n}.jsonl"
    kept = 0
    with source.open(encoding="utf-8") as src, path.open("w", encoding="utf-8") as dst:
        for number, line in enumerate(src, 1):
            if not line.strip():
                continue
            try:
                text = json.loads(line)["text"]
            except (ValueError, KeyError, TypeError) as err:
                raise SystemExit(
                    f"{source}:{number}: not a JSON object with a 'text' ({err})") from None
            dst.write(json.dumps({"id": f"t{kept}", "text": text}) + "\n")
            kept += 1
            if kept == n:
                break
    if not kept:
        raise SystemExit(f"{source}: no comments")
    return path


def model_only(path: Path, numerics: list[str], rounds: int = 3) -> dict[str, dict]:
    """The transformer alone (every window read), in this process: µs per word piece.

    The numerics take turns, ``rounds`` times, and each keeps its best pass, so a burst
    of load from other processes cannot favour one of them.
    """
    from civility.model import NeuralScorer

    with path.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    scorers = {x: NeuralScorer(numerics=x, remember=0) for x in numerics}  # no repeats
    pieces = sum(len(w[1]) + 2 for w in next(iter(scorers.values())).windows(texts))
    best = dict.fromkeys(numerics, float("inf"))
    for _ in range(rounds):
        for x, scorer in scorers.items():
            started = time.perf_counter()
            scorer.predict(texts)
            best[x] = min(best[x], time.perf_counter() - started)
    return {x: {"pieces": pieces, "us_per_piece": t / pieces * 1e6, "per_s": len(texts) / t}
            for x, t in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="comments for the comparison")
    parser.add_argument("--sizes", type=_ints, default=[10_000, 100_000],
                        help="input sizes for the scaling table (e.g. 10k,100k)")
    parser.add_argument("--full", action="store_true", help="add 1M rows to the scaling table")
    parser.add_argument("--workers", type=_ints, default=[1, 2],
                        help="worker counts for the scaling table")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="torch threads for the baselines")
    parser.add_argument("--no-baselines", action="store_true", help="skip the PyTorch baselines")
    parser.add_argument("--compare-model", metavar="DIR",
                        help="also time another model directory end to end (e.g. the 6-layer "
                             "teacher the shipped student was distilled from)")
    parser.add_argument("--texts", type=Path, metavar="FILE.jsonl",
                        help="score these comments (JSONL with a 'text' field; the first --n) "
                             "instead of generated ones")
    parser.add_argument("--numerics", type=lambda s: [x for x in s.split(",") if x],
                        default=[], help="also compare these numerics (e.g. int8,fp32; "
                                         f"from {', '.join(NUMERICS)})")
    parser.add_argument("--baseline-n", type=int,
                        help="time the baselines on the first N of the comments (default: all; "
                             "BERT-base is slow, and comments/s does not depend on N)")
    args = parser.parse_args()
    sizes = sorted(set(args.sizes + ([1_000_000] if args.full else [])))
    cores = os.cpu_count() or 1
    bad = [x for x in args.numerics if x not in NUMERICS]
    if bad:
        parser.error(f"--numerics: {', '.join(bad)} not in {', '.join(NUMERICS)}")
    print(cpu_info().describe(), flush=True)

    with tempfile.TemporaryDirectory(prefix="civility-bench-") as tmp:
        tmpdir = Path(tmp)
        if args.texts:
            path = given_texts(args.texts, args.n, tmpdir)
            what = f"{sum(1 for _ in path.open()):,} comments from {args.texts.name}"
        else:
            path = comments_file(tmpdir, args.n)
            what = f"{args.n:,} generated comments"
        print(f"# {what}, batch size {args.batch_size}, {cores} cores", flush=True)
        if args.numerics:
            print("# the transformer alone, every comment read (best of 3, taking turns)")
            alone = model_only(path, args.numerics)
            for x, r in alone.items():
                print(f"  --numerics {x:5s} {r['us_per_piece']:8.1f} µs per word piece   "
                      f"{r['per_s']:8.1f} comments/s   ({r['pieces']:,} pieces)", flush=True)
            for x in args.numerics:
                run = civility_run(path, workers=None, batch_size=args.batch_size, tmp=tmpdir,
                                   numerics=x)
                print(f"  civility --numerics {x:5s} score {run['per_s']:8.1f} comments/s   "
                      f"peak RSS {run['peak_rss_mb']:6.0f} MB   ({run['seconds']:.1f} s)",
                      flush=True)
        ours = civility_run(path, workers=None, batch_size=args.batch_size, tmp=tmpdir)
        print(f"civility score (all cores)      {ours['per_s']:8.1f} comments/s   "
              f"peak RSS {ours['peak_rss_mb']:6.0f} MB   ({ours['seconds']:.1f} s)", flush=True)
        exact = civility_run(path, workers=None, batch_size=args.batch_size, tmp=tmpdir,
                             screen=False)
        print(f"  --no-screen (all to the model){exact['per_s']:8.1f} comments/s   "
              f"peak RSS {exact['peak_rss_mb']:6.0f} MB   ({exact['seconds']:.1f} s)   "
              f"the screen makes it {ours['per_s'] / exact['per_s']:.1f}x", flush=True)
        if args.compare_model:
            other = civility_run(path, workers=None, batch_size=args.batch_size, tmp=tmpdir,
                                 model=args.compare_model)
            name = f"--model {Path(args.compare_model).name}"
            print(f"  {name:30s}{other['per_s']:8.1f} comments/s   "
                  f"peak RSS {other['peak_rss_mb']:6.0f} MB   ({other['seconds']:.1f} s)   "
                  f"the shipped model is {ours['per_s'] / other['per_s']:.1f}x", flush=True)
        if not args.no_baselines:
            subset = path
            if args.baseline_n and args.baseline_n < args.n:
                subset = tmpdir / f"baseline-{args.baseline_n}.jsonl"
                with path.open() as src, subset.open("w") as dst:
                    dst.writelines(line for _, line in zip(range(args.baseline_n), src,
                                                           strict=False))
            for kind, label in (("bert", "BERT-base PyTorch (Detoxify-sized)"),
                                ("minilm", "MiniLM-L6 PyTorch")):
                base = baseline_run(kind, subset, batch_size=args.batch_size, threads=args.threads)
                print(f"{label:32s}{base['per_s']:8.1f} comments/s   "
                      f"peak RSS {base['peak_rss_mb']:6.0f} MB   ({base['seconds']:.1f} s, "
                      f"model only)   civility is {ours['per_s'] / base['per_s']:.1f}x",
                      flush=True)

        print("\n# time vs input size (all cores)")
        print(f"{'rows':>10} {'seconds':>9} {'comments/s':>11} {'peak RSS MB':>12}")
        for n in sizes:
            run = civility_run(comments_file(tmpdir, n), workers=None,
                               batch_size=args.batch_size, tmp=tmpdir)
            print(f"{n:>10,} {run['seconds']:>9.1f} {run['per_s']:>11.1f} "
                  f"{run['peak_rss_mb']:>12.0f}", flush=True)
            if n != args.n:
                (tmpdir / f"comments-{n}.jsonl").unlink()  # 1M rows is ~250 MB of JSONL

        print(f"\n# time vs workers ({args.n:,} rows)")
        print(f"{'workers':>10} {'seconds':>9} {'comments/s':>11} {'peak RSS MB':>12}")
        for w in args.workers:
            run = civility_run(path, workers=w, batch_size=args.batch_size, tmp=tmpdir)
            print(f"{w:>10} {run['seconds']:>9.1f} {run['per_s']:>11.1f} "
                  f"{run['peak_rss_mb']:>12.0f}", flush=True)


if __name__ == "__main__":
    main()
