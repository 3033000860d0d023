"""Cost and caution of ``civility.language.identify``, in one run.

Prints figures; it is not a test. Reads English comments from ``../shared/data`` (Civil
Comments via Toxic Spans, and OLID tweets), then reports

- CPU microseconds per comment (model loaded first, so this is the steady-state cost),
- how many English comments are given another language (each would be held for a person
  by the default policy), with examples,
- how many are ``und`` (undetermined: never held for their language).

Usage::

    python benchmarks/language.py            # 4,000 of each
    python benchmarks/language.py --n 1000
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))

from civility.language import UNDETERMINED, identify  # noqa: E402
from civility.numerics import cpu_info  # noqa: E402


def english_comments(n: int) -> list[str]:
    rng = random.Random(1)
    with (DATA / "toxic_spans" / "tsd_train.csv").open(encoding="utf-8") as f:
        civil = [r["text"] for r in csv.DictReader(f)]
    lines = (DATA / "olid" / "olid-training-v1.0.tsv").read_text("utf-8").splitlines()[1:]
    tweets = [line.split("\t")[1] for line in lines]
    return rng.sample(civil, min(n, len(civil))) + rng.sample(tweets, min(n, len(tweets)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4000, help="comments from each source")
    args = parser.parse_args()
    texts = english_comments(args.n)
    identify("warm the model up")
    start = time.process_time()  # CPU time: other processes on the machine add no noise
    found = [identify(t) for t in texts]
    per = (time.process_time() - start) / len(texts) * 1e6
    other = [(code, t) for code, t in zip(found, texts, strict=True)
             if code not in ("en", UNDETERMINED)]
    print(cpu_info().describe())
    print(f"{len(texts)} English comments, mean {sum(map(len, texts)) / len(texts):.0f} chars")
    print(f"  {per:.1f} µs of CPU per comment")
    print(f"  given another language: {len(other)} ({len(other) / len(texts):.2%}) "
          f"{Counter(c for c, _ in other).most_common(5)}")
    print(f"  undetermined: {found.count(UNDETERMINED)} "
          f"({found.count(UNDETERMINED) / len(texts):.1%})")
    for code, text in other[:10]:
        print(f"    {code}: {text[:90]!r}")


if __name__ == "__main__":
    main()
