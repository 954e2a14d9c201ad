"""Latency under load at 10k chunks: /ask, /signpost and /threshold, one client and 50
concurrent clients (bounded loops, loopback only), local store and Chroma server mode.

  python benchmarks/load.py [--clients 50] [--rounds 4] [--workers 2]

Needs the 10k-chunk knowledge base that benchmarks/ask.py builds (it runs that first if
missing). Writes benchmarks/results/load.json and load.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

RESULTS = Path(__file__).parent / "results"
DATA = RESULTS / "ask-10000" / "data"
REQUESTS = [
    ("/ask", {"question": "who supports families with school attendance?"}),
    ("/ask", {"question": "what help is there for rent arrears in area 3?"}),
    ("/signpost", {"text": "4yo with speech delay, mum is 19, lives in NB2", "limit": 10}),
    ("/threshold", {"text": "keeps missing school, dad drinks heavily"}),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def children(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        kids = task / "children"
        if kids.exists():
            for child in kids.read_text().split():
                found += children(int(child))
    return found


async def client_loop(http: httpx.AsyncClient, rounds: int, out: dict[str, list[float]],
                      errors: list[str]) -> None:
    for _ in range(rounds):
        for route, body in REQUESTS:
            start = time.perf_counter()
            try:
                reply = await http.post(route, json=body)
                if reply.status_code != 200:
                    errors.append(f"{route}: HTTP {reply.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{route}: {type(exc).__name__}")
            out.setdefault(route, []).append((time.perf_counter() - start) * 1000)


async def run_clients(url: str, clients: int, rounds: int) -> dict[str, Any]:
    out: dict[str, list[float]] = {}
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client_loop(http, rounds, out, errors) for _ in range(clients)))
        wall = time.perf_counter() - start
    result: dict[str, Any] = {"clients": clients, "requests": sum(map(len, out.values())),
                              "errors": len(errors), "error_samples": errors[:5],
                              "throughput_rps": round(sum(map(len, out.values())) / wall, 1)}
    for route, values in out.items():
        ordered = sorted(values)
        result[route] = {"p50_ms": round(statistics.median(ordered), 1),
                         "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1)}
    return result


def serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "waymark.cli", "serve", "--port", str(port),
                             "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(mode: str, env: dict[str, str], workers: int, clients: int, rounds: int
            ) -> dict[str, Any]:
    port = free_port()
    server = serve(env, port, workers)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/health")
        asyncio.run(run_clients(url, 1, 1))  # warm every worker's model and caches
        single = asyncio.run(run_clients(url, 1, rounds * 3))
        crowd = asyncio.run(run_clients(url, clients, rounds))
        memory = rss_mb(children(server.pid))
    finally:
        server.terminate()
        server.wait(20)
    return {"mode": mode, "workers": workers, "one_client": single, "concurrent": crowd,
            "server_rss_mb": memory}


def table(results: list[dict[str, Any]]) -> str:
    lines = ["| mode | workers | clients | route | p50 ms | p95 ms | errors | req/s | RSS MB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        for label in ("one_client", "concurrent"):
            run = r[label]
            for route in ("/ask", "/signpost", "/threshold"):
                lines.append(f"| {r['mode']} | {r['workers']} | {run['clients']} | {route} | "
                             f"{run[route]['p50_ms']} | {run[route]['p95_ms']} | "
                             f"{run['errors']} | {run['throughput_rps']} | "
                             f"{r['server_rss_mb']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not (DATA / "waymark.sqlite3").exists():
        subprocess.run([sys.executable, str(Path(__file__).parent / "ask.py"), "--chunks",
                        "10000"], check=True)
    base = {**os.environ, "WAYMARK_DATA_DIR": str(DATA),
            "WAYMARK_RATE_LIMIT_PER_MINUTE": "1000000"}
    results = [measure("local store", base, 1, args.clients, args.rounds)]

    chroma_dir = RESULTS / "chroma-server-10000"
    shutil.rmtree(chroma_dir, ignore_errors=True)
    shutil.copytree(DATA / "chroma", chroma_dir)
    port = free_port()
    chroma = subprocess.Popen([str(Path(sys.executable).parent / "chroma"), "run", "--path",
                               str(chroma_dir), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/api/v2/heartbeat")
        server_env = {**base, "WAYMARK_CHROMA_HOST": "127.0.0.1", "WAYMARK_CHROMA_PORT": str(port)}
        results.append(measure("Chroma server", server_env, args.workers, args.clients,
                               args.rounds))
    finally:
        chroma.terminate()
        chroma.wait(20)
    text = json.dumps(results, indent=2)
    (RESULTS / "load.json").write_text(text + "\n")
    (RESULTS / "load.md").write_text(table(results) + "\n")
    print(table(results))
    sys.exit(1 if any(r["concurrent"]["errors"] or r["one_client"]["errors"]
                      for r in results) else 0)


if __name__ == "__main__":
    main()
