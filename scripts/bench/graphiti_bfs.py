#!/usr/bin/env python3
"""Times graphiti-core's own BFS (search_utils.node_bfs_search) on a graph apex wrote, for `apex bench graph`.

    apex bench graph --graph-url falkordb://127.0.0.1:PORT --keep-graph --json   # prints "kept_graph": NAME
    python scripts/bench/graphiti_bfs.py --graph-url falkordb://127.0.0.1:PORT/NAME --queries 2000 --depth 2 [--delete]

Origins are random Person nodes of the graph (the same population apex's benchmark queries). graphiti's BFS follows
outgoing RELATES_TO|MENTIONS edges only, ignores valid times and expired_at, and returns duplicates; its results are
de-duplicated by uuid here and counted. Prints one JSON object: P50/P90/P99 in microseconds and the mean neighbours found.
Needs graphiti-core[falkordb]==0.31.1 (and httpx) in the running Python.
"""
import argparse
import asyncio
import json
import random
import sys
import time
from urllib.parse import urlparse


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--graph-url", required=True)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--delete", action="store_true", help="delete the graph afterwards")
    args = parser.parse_args()
    url = urlparse(args.graph_url)
    graph = url.path.lstrip("/")
    if not graph:
        sys.exit("give the graph in the URL: falkordb://host:port/GRAPH")

    from graphiti_core.driver.falkordb_driver import FalkorDriver
    from graphiti_core.search.search_filters import SearchFilters
    from graphiti_core.search.search_utils import node_bfs_search

    driver = FalkorDriver(host=url.hostname or "127.0.0.1", port=url.port or 6379, database=graph)
    records, _, _ = await driver.execute_query("MATCH (n:Person) RETURN n.uuid AS uuid")
    origins = [record["uuid"] for record in records]
    if not origins:
        sys.exit(f"graph {graph} has no Person nodes: run apex bench graph --graph-url ... --keep-graph first")
    rng = random.Random(args.seed)
    filters = SearchFilters()
    latencies = []
    found = 0
    warmup = max(1, args.queries // 10)
    for index in range(args.queries + warmup):
        origin = rng.choice(origins)
        began = time.perf_counter()
        nodes = await node_bfs_search(driver, [origin], filters, args.depth, group_ids=[graph], limit=100_000)
        elapsed = (time.perf_counter() - began) * 1e6
        if index >= warmup:
            latencies.append(elapsed)
            found += len({node.uuid for node in nodes})
    if args.delete:
        import falkordb
        falkordb.FalkorDB(host=url.hostname or "127.0.0.1", port=url.port or 6379).select_graph(graph).delete()
    await driver.close()
    print(json.dumps({
        "benchmark": "graphiti_bfs", "graph": graph, "depth": args.depth, "queries": args.queries,
        "mean_neighbors": round(found / len(latencies), 2),
        "neighbors_us": {"p50": int(percentile(latencies, 50)), "p90": int(percentile(latencies, 90)), "p99": int(percentile(latencies, 99))},
    }))


if __name__ == "__main__":
    asyncio.run(main())
