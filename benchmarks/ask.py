"""/ask latency at 10k chunks against the bare query embedding + vector search it needs.

  python benchmarks/ask.py [--chunks 10000] [--queries 60] [--out FILE]

Builds a deterministic synthetic knowledge base (once, cached under benchmarks/results/), serves
the real API with uvicorn on loopback, and times, in the same run and for the same questions:
- bare: embed the question and query Chroma for the nearest chunks, as many as /ask's dense
  side asks for (2 x DEPTH, with their metadata);
- /ask: the full HTTP request to `waymark serve` running in its own process (escalation check,
  hybrid retrieval, refusal decision, answer).
Target (DESIGN.md): /ask p50 <= 2x bare p50.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from waymark.config import Settings
from waymark.embeddings import MiniLMEmbeddings
from waymark.ingest.pipeline import ingest
from waymark.retrieval import DEPTH
from waymark.store import open_store

TOPICS = ["school attendance", "sleep routines", "speech delay", "housing repairs", "rent arrears",
          "parenting groups", "youth clubs", "infant feeding", "young carers", "debt advice",
          "domestic abuse support", "perinatal mood", "bereavement", "bullying", "SEND support"]
VERBS = ["offers", "arranges", "reviews", "supports", "explains", "records", "plans", "refers"]
QUESTIONS = [f"who {verb} help with {topic}?" for topic in TOPICS for verb in VERBS[:4]]


def write_corpus(folder: Path, chunks: int, seed: int = 11) -> None:
    """About five ~60-token chunks per document, one short section each."""
    rng = random.Random(seed)
    per_doc = 5
    for n in range(chunks // per_doc):
        sections = []
        for s in range(per_doc):
            topic = rng.choice(TOPICS)
            words = [f"The {rng.choice(['team', 'worker', 'hub', 'service'])} "
                     f"{rng.choice(VERBS)} {topic} for families in area {rng.randint(1, 9)}."
                     for _ in range(4)]
            sections.append(f"## Part {s}: {topic}\n\n" + " ".join(words))
        (folder / f"doc{n:05d}.md").write_text(
            f"---\nid: bench-{n:05d}\nkind: guidance\ntitle: Synthetic guidance {n}\n"
            f"owner: Bench\nversion: \"1\"\neffective: 2026-01-01\nreview_by: 2030-01-01\n---\n"
            + "\n\n".join(sections) + "\n", encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process, from /proc (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[int(share * (len(ordered) - 1))], 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=120)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    base = Path(__file__).parent / "results" / f"ask-{args.chunks}"
    corpus, data = base / "kb", base / "data"
    settings = Settings(data_dir=data)
    model = MiniLMEmbeddings()
    if not corpus.exists():
        corpus.mkdir(parents=True)
        write_corpus(corpus, args.chunks)
    start = time.perf_counter()
    report = ingest([corpus], settings, embeddings=model)
    ingest_s = time.perf_counter() - start
    print(f"knowledge base: {report.chunks} chunks ({ingest_s:.0f}s to ingest or confirm)",
          file=sys.stderr)

    store = open_store(settings)
    collection = store.vectors.collection
    questions = (QUESTIONS * 10)[: args.queries]
    model.embed_query("warm up")

    port = free_port()
    env = {**os.environ, "WAYMARK_DATA_DIR": str(data)}
    server = subprocess.Popen([sys.executable, "-m", "waymark.cli", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            client.post("/ask", json={"question": "warm up"})
            break
        except httpx.TransportError:
            time.sleep(0.2)

    bare, full = [], []
    for question in questions:
        t0 = time.perf_counter()
        collection.query(query_embeddings=[model.embed_query(question)], n_results=DEPTH * 2,
                         include=["distances", "metadatas"])
        bare.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        reply = client.post("/ask", json={"question": question})
        full.append((time.perf_counter() - t0) * 1000)
        reply.raise_for_status()
    rss = rss_mb(server.pid)
    server.terminate()
    server.wait(10)

    result = {
        "chunks": report.chunks, "queries": len(questions),
        "ingest_s": round(ingest_s, 1),
        "ingest_chunks_per_s": round(report.chunks / ingest_s, 1) if report.added else None,
        "server_rss_mb": rss,
        "bare_p50_ms": p(bare, 0.5), "bare_p95_ms": p(bare, 0.95),
        "ask_p50_ms": p(full, 0.5), "ask_p95_ms": p(full, 0.95),
        "ratio_p50": round(statistics.median(full) / statistics.median(bare), 2),
        "target_ratio_max": 2.0,
    }
    result["target_met"] = result["ratio_p50"] <= 2.0
    text = json.dumps(result, indent=2)
    print(text)
    out = args.out or base.parent / f"ask-{args.chunks}.json"
    out.write_text(text + "\n")
    sys.exit(0 if result["target_met"] else 1)


if __name__ == "__main__":
    main()
