"""``civility score --engine ray`` on a real two-node Ray cluster, against the local engine.

Prints figures; it is not a test. In one run, on the same comments:

1. the local engine (``civility score in.jsonl``, one worker process per core);
2. a Ray cluster of two nodes on this machine: a head (``ray start --head``) and a
   second node (``ray start --address=HEAD``), each its own raylet with its own CPUs;
   ``civility score in/ -o out/ --engine ray --ray-address auto`` on it;
3. exactly once: every input id is in the output or the rejects, once, and the output
   is in input order;
4. the same job killed (``kill -9`` of the driver) while its actors score, then run
   again: the killed run leaves no output behind and the rerun is exactly once too.

The input is the first ``--n`` Civil Comments texts of Toxic Spans (``comments.csv``),
with a few rows that cannot be scored (no text) mixed in, as Parquet files for Ray and
JSONL for the local engine; it is written to a temporary directory, never committed.
The CPU model and its vector features are printed first: figures compare only within one
CPU kind, and only within one run on a loaded machine.

The nodes run in process groups this script starts (``ray start --block``, its own
``--temp-dir``), and are stopped by ending those groups, in a ``finally``: nothing is
left running, and no other Ray on the machine is touched (``ray stop`` would end every
Ray on it).

Usage::

    python benchmarks/ray_cluster.py                      # 3,000 comments, 1 CPU per node
    python benchmarks/ray_cluster.py --n 5000 --node-cpus 2 --keep /tmp/rc-out
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from civility.numerics import cpu_info

REPO = Path(__file__).resolve().parents[1]
TOXIC_SPANS = REPO.parent / "shared" / "data" / "toxic_spans" / "comments.csv"
BIN = Path(sys.executable).parent
#: Every this many rows, one without a text: the rejects path is exercised too.
BAD_EVERY = 997


def make_input(source: Path, n: int, work: Path, files: int = 4) -> list[str]:
    """``n`` comments as Parquet files (``in/``) and one JSONL file; returns the ids in order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows: list[dict] = []
    csv.field_size_limit(1 << 24)
    with source.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = (row.get("comment_text") or "").strip()
            if not text:
                continue
            bad = (len(rows) + 1) % BAD_EVERY == 0
            rows.append({"id": f"c{row['comment_id']}", "text": None if bad else text})
            if len(rows) == n:
                break
    if len(rows) < n:
        raise SystemExit(f"{source}: only {len(rows)} comments")
    (work / "in").mkdir()
    per = -(-n // files)
    for i in range(files):  # several files, several row groups: several Ray blocks
        part = rows[i * per:(i + 1) * per]
        pq.write_table(pa.Table.from_pylist(part, schema=pa.schema([("id", pa.string()),
                                                                    ("text", pa.string())])),
                       work / "in" / f"part-{i}.parquet", row_group_size=250)
    with (work / "in.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return [r["id"] for r in rows]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


class Cluster:
    """A head and a second node on this machine, each a ``ray start --block`` process group."""

    def __init__(self, temp: Path, node_cpus: int) -> None:
        self.temp, self.node_cpus = temp, node_cpus
        from ray.util import get_node_ip_address

        # The host's address, not loopback: a driver checks that its own address is a node's.
        self.ip = get_node_ip_address()
        self.port = free_port()
        self.address = f"{self.ip}:{self.port}"
        self.groups: list[subprocess.Popen] = []
        # Ray 2.5x+ authenticates every connection with a token; a cluster's nodes and its
        # drivers must share it. This cluster's own, so no other Ray's token is touched.
        token = temp / "auth_token"
        token.write_text(secrets.token_hex(32))
        token.chmod(0o600)
        self.env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token),
                    "RAY_USAGE_STATS_ENABLED": "0"}

    def _start(self, *args: str, log: str) -> None:
        out = (self.temp / log).open("w")
        common = ["--block", f"--node-ip-address={self.ip}", f"--num-cpus={self.node_cpus}",
                  "--object-store-memory=200000000", "--disable-usage-stats",
                  f"--min-worker-port={self.port + 10}", f"--max-worker-port={self.port + 400}"]
        self.groups.append(subprocess.Popen([str(BIN / "ray"), "start", *args, *common],
                                            stdout=out, stderr=subprocess.STDOUT,
                                            env=self.env, start_new_session=True))

    def start(self) -> None:
        self._start("--head", f"--port={self.port}", "--include-dashboard=false",
                    f"--temp-dir={self.temp / 'ray'}", log="head.log")
        self._wait(1)
        self._start(f"--address={self.address}", log="node2.log")
        self._wait(2)

    def nodes(self) -> list[dict]:
        """The live nodes, as the cluster sees them (a short-lived driver asks)."""
        code = (f"import json, ray; ray.init(address={self.address!r}, log_to_driver=False); "
                "print(json.dumps([{'id': n['NodeID'][:8], 'cpus': n['Resources'].get('CPU')} "
                "for n in ray.nodes() if n['Alive']]))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=120, env=self.env)
        if done.returncode != 0:
            return []
        return json.loads(done.stdout.strip().splitlines()[-1])

    def _wait(self, count: int, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.groups):
                raise SystemExit(f"a Ray node exited; see {self.temp}/*.log")
            if len(self.nodes()) >= count:
                return
            time.sleep(2)
        raise SystemExit(f"the cluster did not reach {count} nodes in {timeout:.0f} s")

    def stop(self) -> list[int]:
        """End both process groups (raylets, GCS, workers); returns pids that had to be killed."""
        for proc in reversed(self.groups):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self._left():
            time.sleep(0.5)
        stubborn = self._left()
        for pid in stubborn:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for proc in self.groups:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._left():  # SIGKILL is not instant
            time.sleep(0.5)
        return stubborn

    def _left(self) -> list[int]:
        """Ray processes of this cluster still running: in its sessions, or using its temp dir."""
        sessions = {p.pid for p in self.groups}
        marker = str(self.temp / "ray").encode()
        mine, me = [], _ancestry()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) in me:
                continue
            try:
                sid = os.getsid(int(entry.name))
                cmd = (entry / "cmdline").read_bytes()
            except (ProcessLookupError, PermissionError, FileNotFoundError):
                continue
            if sid in sessions or marker in cmd:
                mine.append(int(entry.name))
        return mine


def _ancestry() -> set[int]:
    """This process and its parents: never ours to stop."""
    pids, pid = set(), os.getpid()
    while pid > 1 and pid not in pids:
        pids.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return pids


def score(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run ``civility score ARGS``; (wall seconds, its summary line)."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "civility.cli", "score", *args], env=env,
                          capture_output=True, text=True, timeout=3600, cwd=REPO)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"civility score {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    summary = [line for line in done.stderr.splitlines() if line.startswith("scored ")]
    return wall, summary[-1] if summary else done.stderr.strip()[-300:]


def check_once(ids: list[str], out: Path, rejects: Path) -> str:
    """Every input id exactly once in output + rejects, the output in input order."""
    import pyarrow.parquet as pq

    scored = pq.read_table(out).column("id").to_pylist()
    bad = [json.loads(json.loads(line)["raw"])["id"] for f in sorted(rejects.glob("*"))
           for line in f.read_text().splitlines()] if rejects.exists() else []
    seen = Counter(scored) + Counter(bad)
    twice = [i for i, c in seen.items() if c > 1]
    missing = [i for i in ids if i not in seen]
    extra = [i for i in seen if i not in set(ids)]
    in_order = scored == [i for i in ids if i in set(scored)]
    ok = not (twice or missing or extra) and in_order
    return (f"{'OK' if ok else 'FAILED'}: {len(ids):,} in, {len(scored):,} scored + "
            f"{len(bad)} rejected; duplicates {len(twice)}, missing {len(missing)}, "
            f"unknown {len(extra)}, output in input order: {in_order}")


def kill_midway(args: list[str], env: dict[str, str], out: Path, after: float) -> str:
    """Start the Ray job and ``kill -9`` its driver ``after`` seconds in, while it scores."""
    proc = subprocess.Popen([sys.executable, "-m", "civility.cli", "score", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=REPO, start_new_session=True)
    started = time.monotonic()
    time.sleep(after)
    if proc.poll() is not None:
        return f"the run finished in under {after:.0f} s, before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the driver only: the cluster's nodes are not in it
    proc.wait()
    left = sorted(p.name for p in out.parent.glob(out.name + "*"))
    return (f"killed after {time.monotonic() - started:.0f} s; {out.name} "
            f"{'EXISTS (a partial output)' if out.exists() else 'absent'}; "
            f"left beside it: {', '.join(left) or 'nothing'}")


@contextlib.contextmanager
def workdir(keep: str | None) -> Iterator[Path]:
    if keep:
        path = Path(keep)
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="rc-", dir="/tmp") as tmp:  # short: socket paths
        yield Path(tmp)


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.1f} comments/s" if seconds > 0 else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=3000, help="comments to score")
    parser.add_argument("--texts", type=Path, default=TOXIC_SPANS,
                        help="CSV with comment_id and comment_text (Toxic Spans' comments.csv)")
    parser.add_argument("--node-cpus", type=int, default=1, help="logical CPUs per Ray node")
    parser.add_argument("--kill-at", type=float, default=0.6,
                        help="when to kill the second Ray run, as a fraction of the first "
                             "run's time (0: skip the kill test)")
    parser.add_argument("--no-local", action="store_true", help="skip the local engine run")
    parser.add_argument("--keep", help="work in this directory and keep it")
    args = parser.parse_args()

    print(cpu_info().describe())
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    with workdir(args.keep) as work:
        ids = make_input(args.texts, args.n, work)
        bad = sum(1 for i, _ in enumerate(ids, 1) if i % BAD_EVERY == 0)
        print(f"input: {len(ids):,} comments from {args.texts.name} ({bad} without text), "
              f"as 4 Parquet files and as JSONL, in {work}")

        if not args.no_local:
            wall, line = score([str(work / "in.jsonl"), "-o", str(work / "local.jsonl"),
                                "--no-progress"], env)
            print(f"local engine: {wall:.1f} s wall, {rate(len(ids) - bad, wall)} | {line}")

        cluster = Cluster(work, args.node_cpus)
        results: list[str] = []
        try:
            cluster.start()
            nodes = cluster.nodes()
            shown = ", ".join(f"{n['id']}: {n['cpus']:.0f} CPU" for n in nodes)
            print(f"Ray cluster: {len(nodes)} nodes ({shown}) at {cluster.address}")
            ray_env = {**env, **cluster.env, "RAY_ADDRESS": cluster.address}
            out, rej = work / "ray-out", work / "ray-out.rejects"
            job = [str(work / "in"), "-o", str(out), "--engine", "ray", "--ray-address",
                   "auto", "--input-format", "parquet", "--output-format", "parquet",
                   "--no-progress"]
            wall, line = score(job, ray_env)
            print(f"Ray engine, 2 nodes: {wall:.1f} s wall, {rate(len(ids) - bad, wall)} "
                  f"| {line}")
            results.append("first run: " + check_once(ids, out, rej))
            if args.kill_at > 0:
                shutil.rmtree(out)
                shutil.rmtree(rej, ignore_errors=True)
                results.append("kill -9: " + kill_midway(job, ray_env, out, args.kill_at * wall))
                wall, line = score(job, ray_env)
                results.append(f"rerun after the kill: {wall:.1f} s | "
                               + check_once(ids, out, rej))
            print(f"live nodes at the end: {len(cluster.nodes())}")
        finally:
            stubborn = cluster.stop()
            print(f"cluster stopped (process groups ended; {len(stubborn)} stragglers killed); "
                  f"Ray processes of this run left: {len(cluster._left())}")
        print("exactly once:")
        for r in results:
            print(f"  {r}")
    print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if any("FAILED" in r for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
