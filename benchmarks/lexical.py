"""Microseconds per comment of the stages before the model: normalising and finding groups.

Prints figures; it is not a test (speed is measured here, never asserted in tests/). Both
stages run on every comment, screened or not, so they bound how cheap a civil comment can be.

Usage::

    python benchmarks/lexical.py            # 2,000 calls of each
    python benchmarks/lexical.py --n 20000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from civility.groups import find_mentions
from civility.normalize import normalize
from civility.numerics import cpu_info

#: A news comment in the seed page's register: groups, disguised swearing, a threat.
COMMENT = ("Turks are a proud and brave people and not cowardly back stabbers like russians "
           "and arab subhumans. We fuk them both for century’s. f*ck this sh1t, it's sooooo "
           "bad... 2024 was 1.9 billion of them; nuke ’em both! Moscow and Baku do not have "
           "any differences, they cooperate closely in energy and logistics.")


def per_call_us(fn: Callable[[], object], n: int, repeats: int = 5) -> tuple[float, float]:
    """Best and median of ``repeats`` runs, in µs of CPU time per call (load on the machine
    inflates wall time, not the process's own CPU time)."""
    fn()
    runs = []
    for _ in range(repeats):
        t0 = time.process_time()
        for _ in range(n):
            fn()
        runs.append((time.process_time() - t0) / n * 1e6)
    return min(runs), statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="calls per run (5 runs)")
    args = parser.parse_args()
    print(cpu_info().describe())
    norm = normalize(COMMENT)
    for name, fn in (("normalize", lambda: normalize(COMMENT)),
                     ("find_mentions", lambda: find_mentions(norm))):
        best, median = per_call_us(fn, args.n)
        print(f"{name:>14}: best {best:7.1f} µs, median {median:7.1f} µs per comment "
              f"({len(COMMENT)} characters)")


if __name__ == "__main__":
    main()
