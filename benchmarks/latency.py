"""Loopback latency of one-comment requests against a real ``civility`` server.

Starts uvicorn in a subprocess (a fresh SQLite database, one API key), then drives it from
asyncio with ``--clients`` concurrent clients, each sending one-comment requests back to back
(closed loop) or at ``--rate`` requests/second per client (paced). Every run is bounded by
``--requests`` and ``--duration``. By default it measures the micro-batched server and the
unbatched baseline (``batch_window_ms=0``: each request scored on its own in a thread pool)
in the same run, and prints p50/p90/p99 and throughput for each.

    python benchmarks/latency.py                          # 50 clients, both modes
    python benchmarks/latency.py --endpoint perspective --rate 10 --json out.json
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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from civility.numerics import choose, cpu_info

ROOT = Path(__file__).resolve().parents[1]
TEXTS = [
    "Thanks for the clear reporting on the council vote.",
    "This is the dumbest thing I have read all week, you clown.",
    "The bridge closure will hurt small businesses on the east side.",
    "Send them all back where they came from, they are vermin.",
    "I disagree with the author but the numbers look right.",
    "Who approved this budget? Absolute incompetence.",
    "Great photos of the festival, my kids loved it.",
    "People like you should be shot.",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- server side


def serve(db: str, port: int, window_ms: float, key_file: str) -> None:
    """Runs in the subprocess: create the key, then serve until killed."""
    import uvicorn

    from civility.server.app import create_app
    from civility.server.settings import Settings
    from civility.store.accounts import create_api_key

    settings = Settings.from_env(db_url=db, batch_window_ms=window_ms, rate_limit=1e9,
                                 rate_burst=1e9)  # CIVILITY_SCREEN=0: --no-screen
    app = create_app(settings)
    with app.state.store.session() as session:
        key, _ = create_api_key(session, "bench", scopes="score read")
    Path(key_file).write_text(key)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                loop="auto", http="auto")  # uvloop + httptools when installed


class Server:
    def __init__(self, window_ms: float, workdir: Path) -> None:
        self.port = free_port()
        self.key_file = workdir / f"key-{self.port}"
        db = f"sqlite:///{workdir / f'bench-{self.port}.db'}"
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve-internal", db, str(self.port), str(window_ms),
             str(self.key_file)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.url = f"http://127.0.0.1:{self.port}"

    async def ready(self, timeout: float = 60) -> str:
        import httpx

        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError("server exited during startup")
                try:
                    r = await client.get(f"{self.url}/healthz", timeout=1)
                    if r.status_code == 200 and self.key_file.exists():
                        return self.key_file.read_text()
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError("server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --------------------------------------------------------------------------- client side


def request_for(endpoint: str, i: int) -> tuple[str, dict[str, Any]]:
    text = f"{random.choice(TEXTS)} #{i}"
    if endpoint == "native":
        return "/api/v1/comments", {"id": f"bench-{i}-{random.random()}", "text": text}
    if endpoint == "perspective":
        return "/v1alpha1/comments:analyze", {
            "comment": {"text": text}, "doNotStore": True,
            "requestedAttributes": {"TOXICITY": {}, "INSULT": {}, "THREAT": {}}}
    return "/v1/moderations", {"input": text}


class Connection:
    """A minimal HTTP/1.1 keep-alive client: the load generator must not eat the CPU it is
    measuring (a full client library costs about as much per request as the server does)."""

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


async def load(url: str, key: str, *, clients: int, requests: int, duration: float,
               warmup: int, endpoint: str, rate: float | None) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors: dict[str, int] = {}
    counter = 0
    warm = Connection(host, int(port), key)
    for i in range(warmup):  # load the model's code paths
        await warm.post(*request_for(endpoint, -i - 1))
    await warm.close()
    stop_at = time.monotonic() + duration

    async def worker() -> None:
        nonlocal counter
        conn = Connection(host, int(port), key)
        if rate:  # spread the clients out instead of firing 50 requests at once
            await asyncio.sleep(random.uniform(0, 1 / rate))
        while counter < requests and time.monotonic() < stop_at:
            counter += 1
            path, body = request_for(endpoint, counter)
            start = time.perf_counter()
            try:
                status = await conn.post(path, body)
                reason = None if status == 200 else f"HTTP {status}"
            except (OSError, asyncio.IncompleteReadError, ValueError) as err:
                reason = type(err).__name__
                await conn.close()
                conn = Connection(host, int(port), key)
            elapsed = time.perf_counter() - start
            if reason is None:
                latencies.append(elapsed)
            else:
                errors[reason] = errors.get(reason, 0) + 1
            if rate:  # Poisson arrivals: exponential gaps with mean 1/rate
                await asyncio.sleep(max(0.0, random.expovariate(rate) - elapsed))
        await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    return {"requests": len(latencies), "errors": sum(errors.values()), "error_kinds": errors,
            "wall_s": round(wall, 2),
            "throughput_rps": round(len(latencies) / wall, 1) if wall else 0.0,
            "p50_ms": round(pct(50), 2), "p90_ms": round(pct(90), 2),
            "p99_ms": round(pct(99), 2),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None}


async def run_mode(name: str, window_ms: float, args: argparse.Namespace, workdir: Path
                   ) -> dict[str, Any]:
    server = Server(window_ms, workdir)
    try:
        key = await server.ready()
        result = await load(server.url, key, clients=args.clients, requests=args.requests,
                            duration=args.duration, warmup=args.warmup,
                            endpoint=args.endpoint, rate=args.rate)
    finally:
        server.stop()
    return {"mode": name, "batch_window_ms": window_ms, **result}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-internal":
        serve(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000, help="Per mode (upper bound).")
    parser.add_argument("--duration", type=float, default=30.0, help="Seconds per mode (bound).")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rate", type=float, help="Requests/second per client (default: "
                                                   "back to back).")
    parser.add_argument("--endpoint", choices=["native", "perspective", "openai"],
                        default="native")
    parser.add_argument("--window-ms", type=float, default=2.0, help="Batched mode's window.")
    parser.add_argument("--modes", default="batched,unbatched")
    parser.add_argument("--json", help="Also write the results to this file.")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="civility-bench-") as tmp:
        for mode in args.modes.split(","):
            window = args.window_ms if mode == "batched" else 0.0
            results.append(asyncio.run(run_mode(mode, window, args, Path(tmp))))
    cpu = cpu_info()
    print(cpu.describe())
    report = {"endpoint": args.endpoint, "clients": args.clients, "rate_per_client": args.rate,
              "cpu": cpu.model, "cpu_features": cpu.features, "numerics": choose(),
              "cpus": os.cpu_count(), "python": platform.python_version(),
              "model": os.environ.get("CIVILITY_MODEL", "civility-minilm"), "results": results}
    print(f"{'mode':<10} {'n':>6} {'err':>4} {'rps':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
    for r in results:
        print(f"{r['mode']:<10} {r['requests']:>6} {r['errors']:>4} {r['throughput_rps']:>8} "
              f"{r['p50_ms']:>8} {r['p90_ms']:>8} {r['p99_ms']:>8}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
