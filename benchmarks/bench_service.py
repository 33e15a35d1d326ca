"""Load benchmark of ``affectlab serve``: 200 concurrent clients on loopback, single-text and 32-text requests.

Run from the project root (needs the ``[server]`` extra and GoEmotions test in the data folder)::

    python benchmarks/bench_service.py                       # writes benchmarks/results/service.{md,json}
    python benchmarks/bench_service.py --duration 5 --out -  # a quick look, nothing written

Starts ``affectlab serve`` as a real process on a free 127.0.0.1 port (one worker, access log off), then
for each phase runs ``--clients`` closed-loop clients, each on its own keep-alive connection, sending
GoEmotions test texts (the texts of the CLI speed figure) one request after another: a warm-up of
``--warmup`` seconds, then ``--duration`` seconds measured (at most ``--max-requests`` requests).
Reports throughput (requests/s, texts/s), p50/p95/p99 latency, failed requests (any status but 200,
or a connection error), the server's mean batch size (from /metrics), and the CLI's texts/s from
``benchmarks/results/speed.md`` and measured again just before and after the phases on the same texts
(under the same load from other processes), with the ratios. Traffic goes to 127.0.0.1 only; every loop is
bounded in time and count, and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGET_P99_S = 0.5
TARGET_RATIO = 0.7


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, model: str, threads: int | None, extra: list[str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "affectlab", "serve", "--port", str(port), "--model", model, "--no-access-log"]
    command += (["--threads", str(threads)] if threads else []) + extra
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"affectlab serve exited: {server.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("affectlab serve did not become ready within 120 s")


class Client:
    """One keep-alive HTTP/1.1 connection sending JSON POSTs, one at a time."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        await self.reader.readexactly(length)
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def phase(port: int, texts: list[str], per_request: int, clients: int, warmup: float, duration: float,
                max_requests: int) -> dict[str, object]:  # fmt: skip
    """Closed-loop clients: each sends its next request as soon as the last one is answered."""
    path = "/v1/analyze" if per_request == 1 else "/v1/analyze/batch"
    latencies: list[float] = []
    failures = {"status": 0, "connection": 0}
    counter = [0]
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + duration

    def body(i: int) -> bytes:
        if per_request == 1:
            return json.dumps({"text": texts[i % len(texts)]}).encode()
        chosen = [texts[(i * per_request + k) % len(texts)] for k in range(per_request)]
        return json.dumps({"texts": chosen}).encode()

    async def run(client: Client) -> None:
        while (now := time.perf_counter()) < stop_at and len(latencies) < max_requests:
            counter[0] += 1
            payload = body(counter[0])
            sent = time.perf_counter()
            try:
                status = await asyncio.wait_for(client.post(path, payload), timeout=120)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, TimeoutError, ValueError):
                client.close()
                if now >= measure_from:
                    failures["connection"] += 1
                continue
            if sent >= measure_from:
                latencies.append(time.perf_counter() - sent)
                if status != 200:
                    failures["status"] += 1

    pool = [Client(port) for _ in range(clients)]
    await asyncio.gather(*(run(c) for c in pool))
    for c in pool:
        c.close()
    wall = min(time.perf_counter(), stop_at) - measure_from
    lat = np.array(latencies) if latencies else np.array([np.nan])
    n = len(latencies)
    return {
        "per_request": per_request,
        "clients": clients,
        "requests": n,
        "seconds": round(wall, 2),
        "requests_per_s": round(n / wall, 1),
        "texts_per_s": round(n * per_request / wall, 1),
        "p50_ms": round(float(np.percentile(lat, 50)) * 1000, 1),
        "p95_ms": round(float(np.percentile(lat, 95)) * 1000, 1),
        "p99_ms": round(float(np.percentile(lat, 99)) * 1000, 1),
        "failed": failures["status"] + failures["connection"],
        "failed_by_kind": failures,
    }


def batch_stats(port: int) -> tuple[float, float]:
    """(engine calls, texts) so far, from the server's batch-size histogram."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    count = float(re.search(r"^affectlab_batch_size_count (\S+)$", text, re.M).group(1))  # type: ignore[union-attr]
    total = float(re.search(r"^affectlab_batch_size_sum (\S+)$", text, re.M).group(1))  # type: ignore[union-attr]
    return count, total


def cli_texts_per_s() -> tuple[float | None, str]:
    """The CLI's end-to-end texts/s of benchmarks/results/speed.md, and its date line."""
    path = RESULTS / "speed.md"
    if not path.is_file():
        return None, "speed.md not found"
    text = path.read_text(encoding="utf-8")
    found = re.search(r"CLI end to end[^|]*\|\s*([\d.]+) texts/s", text)
    date = re.search(r"Date: ([^.]+)\.", text)
    return (float(found.group(1)) if found else None), (date.group(1) if date else "")


def cli_now(texts: list[str], threads: int | None) -> float:  # threads None: the CLI default, all cores
    """The CLI's end-to-end texts/s right now, on the same texts (one per line, to a CSV), as bench_speed runs it."""
    with tempfile.TemporaryDirectory() as work:
        source, out = Path(work) / "texts.txt", Path(work) / "out.csv"
        source.write_text("\n".join(t.replace("\n", " ") for t in texts) + "\n", encoding="utf-8")
        command = [sys.executable, "-m", "affectlab", "analyze", str(source), "-o", str(out), "-q"]
        command += ["--threads", str(threads)] if threads else []
        start = time.perf_counter()
        subprocess.run(command, check=True, timeout=600)
        return round(len(texts) / (time.perf_counter() - start), 1)


def markdown(result: dict[str, object]) -> str:
    rows = result["phases"]
    cli = result["cli_texts_per_s"]
    now = result["cli_now_texts_per_s"]
    lines = [
        "# Service load benchmark",
        "",
        f"Machine: {result['machine']}; load average before {result['load_before']}, after {result['load_after']} "
        "(other processes share the cores).  ",
        f"Date: {result['date']}. Commit: {result['commit']}. Command: `{result['command']}`.  ",
        f"Server: `affectlab serve --model {result['model']}` ({result['workers']} worker(s), threads "
        f"{result['threads'] or 'all'}, access log off, micro-batcher "
        f"max_batch {result['max_batch']}, max_wait_ms {result['max_wait_ms']}); clients: closed loop on 127.0.0.1, "
        "one keep-alive connection each, GoEmotions test texts.",
        "",
        "| texts per request | clients | requests | req/s | texts/s | vs CLI (speed.md) | vs CLI (same moment) | "
        "p50 ms | p95 ms | p99 ms | failed | mean batch |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:  # type: ignore[attr-defined]
        ratio = f"{r['texts_per_s'] / cli:.0%}" if cli else "-"
        same = f"{r['texts_per_s'] / now:.0%}" if now else "-"
        lines.append(
            f"| {r['per_request']} | {r['clients']} | {r['requests']} | {r['requests_per_s']} | {r['texts_per_s']} | "
            f"{ratio} | {same} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['failed']} | "
            f"{r['mean_batch'] or 'n/a'} |"
        )
    lines += [
        "",
        f"CLI end to end on this machine: {cli} texts/s (benchmarks/results/speed.md, {result['cli_date']}); "
        f"measured again just before and after the service phases, under the same load: {now} texts/s "
        f"(mean of {result['cli_now_before_after']}; `affectlab analyze` of {result['cli_now_texts']} texts to CSV, "
        "start-up included).",
        "",
        "Targets: p99 < 500 ms for single-text requests at 200 clients, zero failed requests, "
        "texts/s >= 70% of the CLI's.",
        "",
    ]
    lines += [f"- {line}" for line in result["verdict"]]  # type: ignore[attr-defined]
    return "\n".join(lines) + "\n"


def verdict(rows: list[dict[str, object]], cli: float | None, now: float | None) -> list[str]:
    out = []
    single = next(r for r in rows if r["per_request"] == 1)
    p99 = float(single["p99_ms"])  # type: ignore[arg-type]
    out.append(f"single-text p99 {p99:.0f} ms: {'met' if p99 < TARGET_P99_S * 1000 else 'missed'}")
    failed = sum(int(r["failed"]) for r in rows)  # type: ignore[call-overload]
    out.append(f"failed requests {failed}: {'met' if failed == 0 else 'missed'}")
    if cli:
        best = max(float(r["texts_per_s"]) for r in rows)  # type: ignore[arg-type]
        out.append(f"best throughput {best:.0f} texts/s = {best / cli:.0%} of the CLI's speed.md figure: "
                   f"{'met' if best >= TARGET_RATIO * cli else 'missed'}")  # fmt: skip
        if now:
            out.append(f"= {best / now:.0%} of the CLI measured at the same moment: "
                       f"{'met' if best >= TARGET_RATIO * now else 'missed'}")  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--sizes", default="1,32", help="texts per request of each phase, comma-separated")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--max-batch", type=int, default=256)
    parser.add_argument("--max-wait-ms", type=float, default=5.0)
    parser.add_argument("--no-cli-now", dest="cli_now", action="store_false", help="skip the CLI run")
    parser.add_argument("--out", default=str(RESULTS / "service"), help="output stem (.md and .json), - for none")
    args = parser.parse_args()

    from affectlab import datasets

    texts = [t for t in datasets.goemotions("test").texts if t.strip()]
    port = free_port()
    extra = ["--max-batch", str(args.max_batch), "--max-wait-ms", str(args.max_wait_ms), "--workers", str(args.workers)]
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    cli_before = cli_now(texts, None) if args.cli_now else None
    server = start_server(port, args.model, args.threads, extra)
    rows = []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            calls0, texts0 = batch_stats(port)
            row = asyncio.run(phase(port, texts, size, args.clients, args.warmup, args.duration, args.max_requests))
            calls1, texts1 = batch_stats(port)
            per_call = round((texts1 - texts0) / max(calls1 - calls0, 1), 1)
            row["mean_batch"] = per_call if args.workers == 1 else None  # /metrics answers from one worker
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    cli, cli_date = cli_texts_per_s()
    cli_after = cli_now(texts, None) if args.cli_now else None
    now = round((cli_before + cli_after) / 2, 1) if cli_before and cli_after else None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    result: dict[str, object] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit.stdout.strip() or "unknown",
        "command": "python benchmarks/bench_service.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        "model": args.model,
        "workers": args.workers,
        "threads": args.threads,
        "max_batch": args.max_batch,
        "max_wait_ms": args.max_wait_ms,
        "load_before": load_before,
        "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "cli_texts_per_s": cli,
        "cli_date": cli_date,
        "cli_now_texts_per_s": now,
        "cli_now_before_after": [cli_before, cli_after],
        "cli_now_texts": len(texts),
        "phases": rows,
        "verdict": verdict(rows, cli, now),
    }
    report = markdown(result)
    print(report)
    if args.out != "-":
        Path(args.out + ".md").write_text(report, encoding="utf-8")
        Path(args.out + ".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
