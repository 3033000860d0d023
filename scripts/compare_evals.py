"""Put ``civility evaluate --json`` results side by side, as a Markdown table with differences.

    python scripts/compare_evals.py artifacts/eval-v2-exact.json artifacts/eval-v3-screen.json

The first file is the baseline; every later column shows its value and the
change from the baseline. A summary line gives the median and worst change
of the AUROC rows, which is what a model swap mostly moves.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def load(path: str) -> dict[tuple[str, str], float]:
    rows = json.loads(Path(path).read_text())
    return {(r["dataset"], key): value for r in rows for key, value in r["metrics"].items()}


def main(paths: list[str]) -> None:
    if len(paths) < 2:
        sys.exit(__doc__)
    runs = [load(p) for p in paths]
    base = runs[0]
    names = [Path(p).stem for p in paths]
    print("| dataset | metric | " + " | ".join(names) + " |")
    print("|---|---|" + "---:|" * len(names))
    for dataset, key in base:
        cells = [f"{base[dataset, key]:.3f}"]
        for run in runs[1:]:
            value = run.get((dataset, key))
            cells.append("—" if value is None else
                         f"{value:.3f} ({value - base[dataset, key]:+.3f})")
        print(f"| {dataset} | {key} | " + " | ".join(cells) + " |")
    for name, run in zip(names[1:], runs[1:], strict=True):
        deltas = sorted((run[k] - v, k) for k, v in base.items()
                        if k[1].endswith(".auroc") and k in run)
        if deltas:
            worst, (dataset, key) = deltas[0]
            print(f"\n{name}: AUROC change over {len(deltas)} rows: median "
                  f"{statistics.median(d for d, _ in deltas):+.3f}, worst {worst:+.3f} "
                  f"({dataset} {key})")


if __name__ == "__main__":
    main(sys.argv[1:])
