"""Peak memory of ``civility score`` with its default workers: the RSS of the main process and
all its worker processes added up, sampled every 50 ms (``score_speed.run_measured``).

Prints figures; it is not a test. Shared pages (the model file mapped by several workers)
are counted once per process, as RSS counts them: the figure is an upper bound of what the
machine needs.

    python benchmarks/memory.py                        # 5,000 generated comments, default workers
    python benchmarks/memory.py --workers 1,2 --numerics int8,fp32
    python benchmarks/memory.py --texts civil.jsonl --n 2000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from score_speed import civility_run, comments_file
from throughput import given_texts

from civility.numerics import NUMERICS, cpu_info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000, help="Comments to score.")
    parser.add_argument("--texts", type=Path, metavar="FILE.jsonl",
                        help="Score these comments instead of generated ones.")
    parser.add_argument("--workers", default="default",
                        help="Comma-separated worker counts; 'default': civility's own choice.")
    parser.add_argument("--numerics", default="auto",
                        help=f"Comma-separated, of {', '.join(NUMERICS)}.")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--no-screen", action="store_true")
    parser.add_argument("--json", help="Also write the results to this file.")
    args = parser.parse_args()
    print(cpu_info().describe(), flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="civility-memory-") as tmp:
        directory = Path(tmp)
        path = (given_texts(args.texts, args.n, directory) if args.texts
                else comments_file(directory, args.n))
        for numerics in args.numerics.split(","):
            for workers in args.workers.split(","):
                run = civility_run(path, workers=None if workers == "default" else int(workers),
                                   batch_size=args.batch_size, tmp=directory,
                                   screen=not args.no_screen,
                                   numerics=None if numerics == "auto" else numerics)
                row = {"numerics": numerics, "workers": workers, "rows": run["rows"],
                       "peak_rss_mb": round(run["peak_rss_mb"]),
                       "per_s": round(run["per_s"], 1), "log": run["log"]}
                results.append(row)
                print(f"numerics {numerics:<5} workers {workers:<8} peak RSS (all processes) "
                      f"{row['peak_rss_mb']:>5} MB  {row['per_s']:>7} comments/s  "
                      f"[{row['log']}]", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"cpu": cpu_info().model, "results": results},
                                              indent=2) + "\n")


if __name__ == "__main__":
    main()
