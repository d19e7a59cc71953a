"""Runs sentence-transformers (PyPI; torch on the CPU) on the texts `apex bench embed --export FILE` wrote: the peer of
`apex bench embed`, with the same model, texts and measures.

Usage: python3 scripts/bench/minilm_compare.py FILE --model MODEL_DIR [--runs 3]
Prints one JSON object: chunks/s on one thread and on every core (batches of 32, medians of the runs), and the
latency of each query embedded alone (P50/P90/P99 in microseconds over all runs).
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch
from sentence_transformers import SentenceTransformer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--model", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with open(args.file) as f:
        texts = json.load(f)
    chunks, queries = texts["chunks"], texts["queries"]
    model = SentenceTransformer(args.model, device="cpu")
    cores = os.cpu_count() or 1
    model.encode(chunks[:4])  # warm-up
    one, every, latencies = [], [], []
    for _ in range(args.runs):
        torch.set_num_threads(1)
        start = time.perf_counter()
        model.encode(chunks, batch_size=32)
        one.append(len(chunks) / (time.perf_counter() - start))
        torch.set_num_threads(cores)
        start = time.perf_counter()
        model.encode(chunks, batch_size=32)
        every.append(len(chunks) / (time.perf_counter() - start))
        for query in queries:
            start = time.perf_counter()
            model.encode([query])
            latencies.append((time.perf_counter() - start) * 1e6)
    print(json.dumps({
        "embedder": "sentence-transformers", "version": __import__("sentence_transformers").__version__, "torch": torch.__version__,
        "cores": cores, "chunks": len(chunks), "one_core_chunks_per_second": round(statistics.median(one), 2),
        "all_cores_chunks_per_second": round(statistics.median(every), 2),
        "query_us": {f"p{p}": int(np.percentile(latencies, p)) for p in (50, 90, 99)},
    }))


if __name__ == "__main__":
    main()
