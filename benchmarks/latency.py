"""Latency of one-comment requests against a real ``civility`` server, driven open loop.

Starts the server in a subprocess (uvicorn on ``create_app``, a fresh SQLite database, one
API key), then sends one comment per request at a fixed rate (``--rate``, default 100/s),
Poisson (default) or evenly spaced (``--arrivals fixed``), for ``--duration`` seconds. Open
loop: each request is sent at its scheduled time whether or not earlier ones have been
answered, and its latency is counted from that scheduled time, so a slow server cannot hide
its queue by slowing the sender (no coordinated omission). Prints p50/p90/p99/max, the rate
achieved, errors, the load average during the run, and the CPU model and vector features.

Comments are the generated news comments of ``score_speed.py`` (every one different), or
``--texts FILE.jsonl`` (one ``{"text": ...}`` per line, e.g. Civil Comments texts).

    python benchmarks/latency.py                              # 100 req/s for 30 s
    python benchmarks/latency.py --rate 50 --duration 60 --texts civil.jsonl
    CIVILITY_SCREEN=0 python benchmarks/latency.py            # every comment through the model
    python benchmarks/latency.py --endpoint perspective --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from score_speed import generate_comments

from civility.numerics import choose, cpu_info

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- server side


def serve(db: str, port: int, window_ms: str, key_file: str) -> None:
    """Runs in the subprocess: create the key, then serve until killed."""
    import uvicorn

    from civility.server.app import create_app
    from civility.server.settings import Settings
    from civility.store.accounts import create_api_key

    overrides: dict[str, Any] = {"db_url": db, "rate_limit": 1e9, "rate_burst": 1e9}
    if window_ms != "default":
        overrides["batch_window_ms"] = float(window_ms)
    app = create_app(Settings.from_env(**overrides))  # CIVILITY_SCREEN=0: no screen
    with app.state.store.session() as session:
        key, _ = create_api_key(session, "bench", scopes="score read")
    Path(key_file).write_text(key)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                loop="auto", http="auto")  # uvloop + httptools when installed


class Server:
    def __init__(self, window_ms: str, workdir: Path) -> None:
        self.port = free_port()
        self.key_file = workdir / f"key-{self.port}"
        db = f"sqlite:///{workdir / f'bench-{self.port}.db'}"
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve-internal", db, str(self.port), window_ms,
             str(self.key_file)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})

    async def ready(self, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited during startup")
            if self.key_file.exists() and self.key_file.read_text():
                with contextlib.suppress(OSError):
                    _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    writer.close()
                    return self.key_file.read_text()
            await asyncio.sleep(0.1)
        raise TimeoutError("server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --------------------------------------------------------------------------- client side


def load_texts(path: Path | None, n: int) -> list[str]:
    if path is None:
        return [row["text"] for row in generate_comments(n)]
    texts = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    texts.append(str(json.loads(line)["text"]))
                except (ValueError, KeyError, TypeError) as err:
                    raise SystemExit(f"{path}:{number}: no 'text' ({err})") from None
    if not texts:
        raise SystemExit(f"{path}: no comments")
    return texts


def request_for(endpoint: str, i: int, text: str) -> tuple[str, dict[str, Any]]:
    if endpoint == "native":
        return "/api/v1/comments", {"id": f"bench-{i}", "text": text, "article_id": "bench"}
    if endpoint == "perspective":
        return "/v1alpha1/comments:analyze", {
            "comment": {"text": text}, "doNotStore": True,
            "requestedAttributes": {"TOXICITY": {}, "INSULT": {}, "THREAT": {}}}
    return "/v1/moderations", {"input": text}


class Connection:
    """A minimal HTTP/1.1 keep-alive client: the load generator shares the CPUs it measures,
    and a full client library costs about as much per request as the server does."""

    def __init__(self, host: str, port: int, key: str) -> None:
        self.host, self.port, self.key = host, port, key
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict[str, Any]) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        data = json.dumps(body).encode()
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Authorization: Bearer {self.key}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()


class Pool:
    """Idle keep-alive connections; a request finding none opens another (open loop: the
    number of requests in flight is the server's business, not the sender's)."""

    def __init__(self, host: str, port: int, key: str) -> None:
        self.host, self.port, self.key = host, port, key
        self.idle: list[Connection] = []
        self.opened = 0

    async def post(self, path: str, body: dict[str, Any]) -> int:
        conn = self.idle.pop() if self.idle else None
        if conn is not None:
            try:
                status = await conn.post(path, body)
            except (OSError, asyncio.IncompleteReadError):
                # The server closed it while idle (keep-alive timeout): not the request's
                # failure; send it again on a new connection (ids make a resend idempotent).
                await conn.close()
            else:
                self.idle.append(conn)
                return status
        conn = Connection(self.host, self.port, self.key)
        self.opened += 1
        try:
            status = await conn.post(path, body)
        except BaseException:
            await conn.close()
            raise
        self.idle.append(conn)
        return status

    async def close(self) -> None:
        for conn in self.idle:
            await conn.close()


def schedule(rate: float, duration: float, arrivals: str, seed: int = 7) -> list[float]:
    """Send times in seconds from the start: Poisson (exponential gaps) or evenly spaced."""
    rng = random.Random(seed)
    times, t = [], 0.0
    while True:
        t += rng.expovariate(rate) if arrivals == "poisson" else 1 / rate
        if t >= duration:
            return times
        times.append(t)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux): what the server spent, however
    loaded the machine; 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


async def drive(port: int, key: str, texts: list[str], args: argparse.Namespace,
                server_pid: int) -> dict[str, Any]:
    pool = Pool("127.0.0.1", port, key)
    for i in range(args.warmup):  # load the code paths, open a few connections
        await pool.post(*request_for(args.endpoint, -i - 1, texts[-(i % len(texts)) - 1]))
    latencies: list[float] = []
    errors: dict[str, int] = {}
    loop = asyncio.get_running_loop()
    times = schedule(args.rate, args.duration, args.arrivals)
    late: list[float] = []

    async def one(i: int, due: float) -> None:
        late.append(loop.time() - due)
        try:
            status = await pool.post(*request_for(args.endpoint, i, texts[i % len(texts)]))
            reason = None if status == 200 else f"HTTP {status}"
        except (OSError, asyncio.IncompleteReadError, ValueError) as err:
            reason = type(err).__name__
        if reason is None:
            latencies.append(loop.time() - due)  # from when it was due: no coordinated omission
        else:
            errors[reason] = errors.get(reason, 0) + 1

    load_before = os.getloadavg()
    server_cpu, client_cpu = cpu_seconds(server_pid), time.process_time()
    start = loop.time() + 0.05
    tasks = []
    for i, t in enumerate(times):
        due = start + t
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    sent_over = loop.time() - start
    await asyncio.gather(*tasks)
    wall = loop.time() - start
    server_cpu = cpu_seconds(server_pid) - server_cpu
    client_cpu = time.process_time() - client_cpu
    await pool.close()
    latencies.sort()
    late.sort()
    ms = [x * 1000 for x in latencies]
    return {"requests": len(times), "ok": len(latencies), "errors": sum(errors.values()),
            "error_kinds": errors, "target_rps": args.rate,
            "achieved_rps": round(len(latencies) / wall, 1) if wall else 0.0,
            "sent_rps": round(len(times) / sent_over, 1) if sent_over else 0.0,
            "p50_ms": round(percentile(ms, 50), 1), "p90_ms": round(percentile(ms, 90), 1),
            "p99_ms": round(percentile(ms, 99), 1), "max_ms": round(ms[-1], 1) if ms else None,
            "sender_late_p99_ms": round(percentile(late, 99) * 1000, 1),
            "connections": pool.opened,
            "server_cpu_ms_per_request": round(server_cpu / len(times) * 1000, 1),
            "client_cpu_ms_per_request": round(client_cpu / len(times) * 1000, 1),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()]}


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    texts = load_texts(args.texts, max(1000, int(args.rate * args.duration) + args.warmup))
    server = Server(args.window_ms, workdir)
    try:
        key = await server.ready()
        return await drive(server.port, key, texts, args, server.proc.pid)
    finally:
        server.stop()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-internal":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=100.0, help="Requests per second.")
    parser.add_argument("--duration", type=float, default=30.0, help="Seconds of sending.")
    parser.add_argument("--arrivals", choices=["poisson", "fixed"], default="poisson")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--texts", type=Path, metavar="FILE.jsonl")
    parser.add_argument("--endpoint", choices=["native", "perspective", "openai"],
                        default="native")
    parser.add_argument("--window-ms", default="default",
                        help="The batcher's window (default: the server's setting).")
    parser.add_argument("--json", help="Also write the results to this file.")
    args = parser.parse_args()
    if args.rate <= 0 or args.duration <= 0:
        parser.error("--rate and --duration must be positive")
    with tempfile.TemporaryDirectory(prefix="civility-latency-") as tmp:
        result = asyncio.run(run(args, Path(tmp)))
    cpu = cpu_info()
    report = {"endpoint": args.endpoint, "arrivals": args.arrivals, "duration_s": args.duration,
              "texts": str(args.texts or "generated"), "window_ms": args.window_ms,
              "screen": os.environ.get("CIVILITY_SCREEN", "1"),
              "cpu": cpu.model, "cpu_features": cpu.features, "numerics": choose(),
              "cpus": os.cpu_count(), "python": platform.python_version(), **result}
    print(cpu.describe())
    print(f"{args.endpoint}, {args.arrivals} arrivals at {args.rate:g}/s for {args.duration:g} s, "
          f"{report['texts']} comments; load average before {result['load_before'][0]}, "
          f"after {result['load_after'][0]}")
    print(f"sent {result['requests']} ({result['sent_rps']}/s), answered {result['ok']} "
          f"({result['achieved_rps']}/s), errors {result['errors']} {result['error_kinds'] or ''}")
    print(f"latency ms: p50 {result['p50_ms']}  p90 {result['p90_ms']}  p99 {result['p99_ms']}  "
          f"max {result['max_ms']}  (sender late p99 {result['sender_late_p99_ms']} ms, "
          f"{result['connections']} connections)")
    print(f"CPU per request: server {result['server_cpu_ms_per_request']} ms, load generator "
          f"{result['client_cpu_ms_per_request']} ms")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
