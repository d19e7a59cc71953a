"""Runs hnswlib (PyPI) on the vectors `apex bench vector --export DIR` wrote, with the same parameters.

Usage: python3 scripts/bench/hnswlib_compare.py DIR [--m 16] [--ef-construction 64] [--threads 1]
Prints one JSON object: build seconds (on --threads threads), and recall@10 and single-thread queries/s per ef_search.
"""
import argparse
import json
import os
import time

import hnswlib
import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=64)
    parser.add_argument("--ef-search", type=int, nargs="+", default=[16, 32, 64, 128])
    parser.add_argument("--threads", type=int, default=1, help="threads for the build (queries run on one)")
    args = parser.parse_args()
    with open(os.path.join(args.directory, "meta.json")) as f:
        meta = json.load(f)
    dim = meta["dim"]
    vectors = np.fromfile(os.path.join(args.directory, "vectors.f32"), dtype="<f4").reshape(-1, dim)
    queries = np.fromfile(os.path.join(args.directory, "queries.f32"), dtype="<f4").reshape(-1, dim)

    normalized = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    normalized_queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    truth = np.argsort(-(normalized_queries @ normalized.T), axis=1)[:, :10]

    index = hnswlib.Index(space="cosine", dim=dim)
    index.init_index(max_elements=len(vectors), ef_construction=args.ef_construction, M=args.m, random_seed=1)
    index.set_num_threads(args.threads)
    start = time.perf_counter()
    index.add_items(vectors, np.arange(len(vectors)))
    build = time.perf_counter() - start
    index.set_num_threads(1)

    runs = []
    for ef in args.ef_search:
        index.set_ef(ef)
        hits = 0
        start = time.perf_counter()
        for row, query in enumerate(queries):
            labels, _ = index.knn_query(query, k=10)
            hits += len(set(labels[0].tolist()) & set(truth[row].tolist()))
        seconds = time.perf_counter() - start
        runs.append({"ef_search": ef, "recall_at_10": round(hits / (len(queries) * 10), 4),
                     "queries_per_second": int(len(queries) / seconds)})
    print(json.dumps({"index": "hnswlib", "version": getattr(hnswlib, "__version__", "unknown"), "n": len(vectors), "dimension": dim,
                      "m": args.m, "ef_construction": args.ef_construction, "build_seconds": round(build, 2), "build_threads": args.threads, "threads": 1, "runs": runs}))


if __name__ == "__main__":
    main()
