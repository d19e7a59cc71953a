#!/usr/bin/env python3
"""Checks that graphiti-core 0.31.1 reads the graph `apex` writes to FalkorDB.

    python graphiti_reads_apex.py --apex PATH_TO_APEX --graph-url falkordb://127.0.0.1:6379/GRAPH [--keep]

The graph GRAPH must not exist yet. The script creates it by ingesting a small
record file with `apex ingest` in two parts: part 2 supersedes and ends facts
from part 1, so apex's projection has to expire edges and create new ones.
Then it reads the graph with graphiti-core alone (FalkorDriver, no LLM, no
embedder) and compares every node and RELATES_TO edge with what the records
and apex's own answers say. At the end it deletes the graph (unless --keep).

Exit status: 0 when everything matches, 1 on any mismatch (each one is listed),
2 when the run could not be carried out (bad arguments, apex failed, server
unreachable, graphiti-core not importable).

Needs graphiti-core[falkordb]==0.31.1 and httpx (graphiti_core imports it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urlsplit


def fail_run(message: str) -> None:
    print(f"graphiti_reads_apex: {message}", file=sys.stderr)
    sys.exit(2)


try:
    import falkordb
    from graphiti_core.driver.falkordb_driver import FalkorDriver
    from graphiti_core.edges import EntityEdge
    from graphiti_core.errors import GroupsEdgesNotFoundError
    from graphiti_core.nodes import EntityNode
    from graphiti_core.search.search_filters import ComparisonOperator, DateFilter, SearchFilters
    from graphiti_core.search.search_utils import edge_fulltext_search, node_fulltext_search
except ModuleNotFoundError as error:  # e.g. httpx, which graphiti_core imports but does not declare for openai >= 3
    fail_run(f"cannot import graphiti-core and the falkordb client ({error}); "
             "install graphiti-core[falkordb]==0.31.1 and httpx into this python")

# ---------------------------------------------------------------------------
# The data: an ontology and two record files. Every expected value below is
# derived by hand from these records and the rules of docs/spec
# (temporal-records.md, section 3); the comments say how.
# ---------------------------------------------------------------------------

ONTOLOGY = """\
name: interop
version: 1
entity_types:
  Driver:
    description: A truck driver
    key: driver_id
    properties:
      driver_id: {type: string, required: true, description: "Driver id, e.g. D-1"}
      name: {type: string, description: "Full name"}
      status: {type: string, enum: [active, inactive, on_leave], description: "Employment status"}
  Tractor:
    description: Power unit in the fleet
    key: unit_number
    properties:
      unit_number: {type: string, required: true, description: "Unit number, e.g. 6520"}
      status: {type: string, enum: [active, in_repair, retired], description: "Operational status"}
      current_miles: {type: integer, description: "Odometer reading in miles"}
relation_types:
  ASSIGNED_TO:
    from: Driver
    to: Tractor
    cardinality: one_to_one
    description: Driver assigned to drive a tractor
"""

REL = "ASSIGNED_TO"
D1, D2 = ("Driver", "D-1"), ("Driver", "D-2")
T6520, T7100, T8800 = ("Tractor", "6520"), ("Tractor", "7100"), ("Tractor", "8800")
ENTITIES = [D1, D2, T6520, T7100, T8800]

TEXT_B = "Robert Smith drives unit 6520 on the northern route"
TEXT_D = "Robert Smith takes over unit 7100"
TEXT_A = "Robert Smith test-drove unit 8800 in January"
SEARCH_WORD = "northern"  # in TEXT_B only


def ref(entity: tuple[str, str]) -> dict:
    return {"type": entity[0], "key": entity[1]}


def state(entity, valid_at, recorded_at, **values) -> dict:
    return {"kind": "state", "entity": ref(entity), "valid_at": valid_at, "set": values, "recorded_at": recorded_at, "source": "interop"}


def fact(source, target, valid_at, recorded_at, text=None) -> dict:
    record = {"kind": "fact", "type": REL, "from": ref(source), "to": ref(target), "valid_at": valid_at, "invalid_at": None,
              "recorded_at": recorded_at, "source": "interop"}
    if text is not None:
        record["fact"] = text
    return record


def end(source, target, invalid_at, recorded_at) -> dict:
    return {"kind": "end", "type": REL, "from": ref(source), "to": ref(target), "invalid_at": invalid_at, "recorded_at": recorded_at,
            "source": "interop"}


PART1 = [
    state(D1, "2025-01-02T00:00:00Z", "2025-01-02T09:00:00Z", driver_id="D-1", name="Robert Smith", status="active"),
    state(D2, "2025-01-03T00:00:00Z", "2025-01-03T09:00:00Z", name="Maria Lopez", status="active"),
    state(T6520, "2025-01-05T00:00:00Z", "2025-01-05T09:00:00Z", status="active", current_miles=401000),
    state(T7100, "2025-02-10T00:00:00Z", "2025-02-10T09:00:00Z", status="in_repair", current_miles=88000),
    fact(D1, T6520, "2025-02-01T00:00:00Z", "2025-02-01T00:05:00Z", TEXT_B),  # B: open as known after part 1
    fact(D2, T7100, "2025-02-15T00:00:00Z", "2025-02-15T00:05:00Z"),  # C: no text; open as known after part 1
]

PART2 = [
    end(D2, T7100, "2025-03-20T00:00:00Z", "2025-03-20T00:01:00Z"),  # ends C before D supersedes it (by target)
    fact(D1, T7100, "2025-04-01T00:00:00Z", "2025-04-01T00:05:00Z", TEXT_D),  # D: supersedes B (source) and C (target)
    end(D1, T6520, "2025-05-01T00:00:00Z", "2025-05-01T00:01:00Z"),  # ends B, but after D superseded it
    state(T6520, "2025-04-02T00:00:00Z", "2025-04-02T09:00:00Z", status="retired"),
    fact(D2, T8800, "2025-04-10T00:00:00Z", "2025-04-10T00:05:00Z"),  # E: no text, open; creates Tractor/8800
    # Late arrivals: recorded long before everything in part 1.
    fact(D1, T8800, "2025-01-10T00:00:00Z", "2025-01-10T00:05:00Z", TEXT_A),  # A: superseded by B (same source)
    state(T8800, "2025-01-08T00:00:00Z", "2025-01-08T09:00:00Z", status="active", current_miles=15000),
    state(D2, "2025-01-01T00:00:00Z", "2025-01-01T09:00:00Z", status="inactive"),  # older valid_at: D-2 stays active
]


def utc(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Want:
    """One RELATES_TO edge as graphiti should see it."""
    label: str
    source: tuple[str, str]
    target: tuple[str, str]
    valid_at: datetime
    invalid_at: datetime | None
    text: str | None  # the record's fact sentence; None: apex makes one up


# The relation instances as known after both parts (edges with expired_at null). invalid_at is the explicit
# end or the valid_at of the first superseding fact (one_to_one: same source or same target), whichever is first.
CURRENT = [
    # A (late): next fact from D-1 is B at 02-01; next to 8800 is E at 04-10 -> 02-01.
    Want("A", D1, T8800, utc("2025-01-10T00:00:00Z"), utc("2025-02-01T00:00:00Z"), TEXT_A),
    # B: superseded by D at 04-01 (from D-1); its explicit end 05-01 comes later -> 04-01.
    Want("B", D1, T6520, utc("2025-02-01T00:00:00Z"), utc("2025-04-01T00:00:00Z"), TEXT_B),
    # C: explicit end 03-20; superseded by D at 04-01 (to 7100) later -> 03-20.
    Want("C", D2, T7100, utc("2025-02-15T00:00:00Z"), utc("2025-03-20T00:00:00Z"), None),
    # D and E: nothing later from their source or to their target, no end -> open.
    Want("D", D1, T7100, utc("2025-04-01T00:00:00Z"), None, TEXT_D),
    Want("E", D2, T8800, utc("2025-04-10T00:00:00Z"), None, None),
]
# The instances as known after part 1 only: both open. Part 2 changes their ends, so these edges must be expired.
EXPIRED = [
    Want("B0", D1, T6520, utc("2025-02-01T00:00:00Z"), None, TEXT_B),
    Want("C0", D2, T7100, utc("2025-02-15T00:00:00Z"), None, None),
]
# The entities' properties valid now (every record's valid_at is in the past); node name is `name`, else the key.
PROPERTIES = {
    D1: {"driver_id": "D-1", "name": "Robert Smith", "status": "active"},
    D2: {"name": "Maria Lopez", "status": "active"},  # the late `inactive` is valid earlier than `active`
    T6520: {"status": "retired", "current_miles": 401000},
    T7100: {"status": "in_repair", "current_miles": 88000},
    T8800: {"status": "active", "current_miles": 15000},
}
NODE_NAMES = {D1: "Robert Smith", D2: "Maria Lopez", T6520: "6520", T7100: "7100", T8800: "8800"}
CREATED_IN_PART1 = {D1, D2, T6520, T7100}

# ---------------------------------------------------------------------------


class Checks:
    """Collects mismatches; a run passes when there are none."""

    def __init__(self) -> None:
        self.count = 0
        self.failures: list[str] = []

    def __call__(self, ok: bool, message: str) -> bool:
        self.count += 1
        if not ok:
            self.failures.append(message)
        return ok

    def equal(self, actual, expected, what: str) -> bool:
        return self(actual == expected, f"{what}: got {actual!r}, expected {expected!r}")


def is_utc(value) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() == timedelta(0)


def show(value) -> str:
    return "None" if value is None else value.isoformat() if isinstance(value, datetime) else repr(value)


class Apex:
    def __init__(self, binary: str, data: str, graph_url: str) -> None:
        self.binary, self.data, self.graph_url = binary, data, graph_url

    def run(self, *args: str) -> dict:
        command = [self.binary, *args, "--data", self.data, "--graph-url", self.graph_url]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            fail_run(f"`{' '.join(command)}` exited with {done.returncode}: {done.stderr.strip() or done.stdout.strip()}")
        try:
            return json.loads(done.stdout)
        except json.JSONDecodeError:
            fail_run(f"`{' '.join(command)}` printed no JSON: {done.stdout[:300]!r}")

    def ingest(self, path: str, ontology: str | None = None) -> tuple[dict, datetime, datetime]:
        """Ingests a file; returns apex's answer and the wall-clock window the ingestion time lies in."""
        before = datetime.now(timezone.utc)
        answer = self.run("ingest", path, *(["--ontology", ontology] if ontology else []))
        after = datetime.now(timezone.utc)
        return answer, before - timedelta(seconds=1), after + timedelta(seconds=1)


def parse_graph_url(text: str) -> tuple[str, int, str | None, str | None, str]:
    parts = urlsplit(text)
    graph = parts.path.lstrip("/")
    if parts.scheme != "falkordb" or not parts.hostname or not re.fullmatch(r"[A-Za-z0-9_]+", graph or ""):
        fail_run(f"--graph-url must be falkordb://[user:password@]host:port/GRAPH with GRAPH of letters, digits and _; got {text!r}")
    try:
        port = parts.port or 6379
    except ValueError:
        fail_run(f"bad port in --graph-url {text!r}")
    return parts.hostname, port, unquote(parts.username) if parts.username else None, unquote(parts.password) if parts.password else None, graph


def write_jsonl(path: str, records: list[dict]) -> None:
    with open(path, "w") as file:
        for record in records:
            file.write(json.dumps(record) + "\n")


# ---------------------------------------------------------------------------


async def read_edges(driver: FalkorDriver, graph: str) -> list[EntityEdge]:
    try:
        return await EntityEdge.get_by_group_ids(driver, [graph])
    except GroupsEdgesNotFoundError:
        return []


async def run(args, driver: FalkorDriver, graph: str, work: str) -> tuple[Checks, str]:
    check = Checks()
    ontology, part1, part2 = (os.path.join(work, name) for name in ("ontology.yaml", "part1.jsonl", "part2.jsonl"))
    with open(ontology, "w") as file:
        file.write(ONTOLOGY)
    write_jsonl(part1, PART1)
    write_jsonl(part2, PART2)
    apex = Apex(args.apex, os.path.join(work, "data"), args.graph_url)

    # -- 1. ingest in two parts, ask apex for the ids ----------------------------------------------
    answer1, p1_from, p1_to = apex.ingest(part1, ontology)
    check.equal(answer1.get("accepted"), len(PART1), "apex ingest part 1: accepted")
    answer2, p2_from, p2_to = apex.ingest(part2)
    check.equal(answer2.get("accepted"), len(PART2), "apex ingest part 2: accepted")
    check.equal(answer2.get("new_entities"), 1, "apex ingest part 2: new_entities (Tractor/8800)")

    states = {entity: apex.run("state", f"{entity[0]}/{entity[1]}") for entity in ENTITIES}
    ids = {entity: states[entity]["entity"]["id"] for entity in ENTITIES}
    by_id = {uuid: entity for entity, uuid in ids.items()}
    if not check(len(by_id) == len(ENTITIES), f"apex gave two entities the same id: {ids}"):
        return check, "apex ids are not distinct"
    for entity in ENTITIES:
        check.equal(states[entity]["properties"], PROPERTIES[entity], f"apex state {entity[0]}/{entity[1]} properties (sanity check of the data)")

    # -- 2. entity nodes -----------------------------------------------------------------------------
    nodes = await EntityNode.get_by_group_ids(driver, [graph])
    check.equal(sorted(n.uuid for n in nodes), sorted(ids.values()), "EntityNode.get_by_group_ids: node uuids (apex ids)")
    for node in nodes:
        entity = by_id.get(node.uuid)
        if entity is None:
            continue
        what = f"node {entity[0]}/{entity[1]}"
        check("Entity" in node.labels and entity[0] in node.labels, f"{what}: labels {node.labels!r} lack 'Entity' or {entity[0]!r}")
        check.equal(node.group_id, graph, f"{what}: group_id")
        check.equal(node.name, NODE_NAMES[entity], f"{what}: name")
        check(isinstance(node.summary, str), f"{what}: summary {node.summary!r} is not a string")
        window = (p1_from, p1_to) if entity in CREATED_IN_PART1 else (p2_from, p2_to)
        check(is_utc(node.created_at) and window[0] <= node.created_at <= window[1],
              f"{what}: created_at {show(node.created_at)} is not a UTC time within the ingest that created it "
              f"[{window[0].isoformat()}, {window[1].isoformat()}]")
        check.equal(node.attributes.get("apex_type"), entity[0], f"{what}: attributes['apex_type']")
        check.equal(node.attributes.get("apex_key"), entity[1], f"{what}: attributes['apex_key']")
        for name, value in PROPERTIES[entity].items():
            if name == "name":
                continue  # graphiti pops `name` from attributes: it is node.name, checked above
            check(name in node.attributes and node.attributes[name] == value and type(node.attributes[name]) is type(value),
                  f"{what}: attributes[{name!r}] is {node.attributes.get(name, '<missing>')!r}, expected {value!r}")

    # -- 3. RELATES_TO edges -------------------------------------------------------------------------
    edges = await read_edges(driver, graph)
    current = [e for e in edges if e.expired_at is None]
    expired = [e for e in edges if e.expired_at is not None]

    def key(source, target, valid_at):
        return (ids[source], ids[target], valid_at)

    def match(found: list[EntityEdge], wanted: list[Want], kind: str) -> dict[str, EntityEdge]:
        index = {key(w.source, w.target, w.valid_at): w for w in wanted}
        matched: dict[str, EntityEdge] = {}
        for edge in found:
            w = index.get((edge.source_node_uuid, edge.target_node_uuid, edge.valid_at))
            if w is None or w.label in matched:
                src, dst = by_id.get(edge.source_node_uuid), by_id.get(edge.target_node_uuid)
                check(False, f"unexpected {kind} edge {edge.uuid}: {edge.name} {src} -> {dst} valid_at {show(edge.valid_at)} "
                             f"invalid_at {show(edge.invalid_at)} expired_at {show(edge.expired_at)}")
                continue
            matched[w.label] = edge
        for w in wanted:
            check(w.label in matched, f"missing {kind} edge {w.label}: {REL} {w.source} -> {w.target} valid_at {w.valid_at.isoformat()}")
        return matched

    current_by_label = match(current, CURRENT, "current (expired_at None)")
    expired_by_label = match(expired, EXPIRED, "expired")
    for wanted, found, window in ((CURRENT, current_by_label, (p2_from, p2_to)), (EXPIRED, expired_by_label, (p1_from, p1_to))):
        for w in wanted:
            edge = found.get(w.label)
            if edge is None:
                continue
            what = f"edge {w.label} ({w.source[1]} -> {w.target[1]})"
            check.equal(edge.name, REL, f"{what}: name")
            check.equal(edge.group_id, graph, f"{what}: group_id")
            check(is_utc(edge.valid_at) and edge.valid_at == w.valid_at, f"{what}: valid_at {show(edge.valid_at)}, expected {w.valid_at.isoformat()} (UTC)")
            check(edge.invalid_at == w.invalid_at and (w.invalid_at is None or is_utc(edge.invalid_at)),
                  f"{what}: invalid_at {show(edge.invalid_at)}, expected {show(w.invalid_at)}")
            if w.text is not None:
                check.equal(edge.fact, w.text, f"{what}: fact")
            else:
                check(isinstance(edge.fact, str) and edge.fact.strip() != "", f"{what}: fact {edge.fact!r} is not a non-empty text")
            check(isinstance(edge.episodes, list), f"{what}: episodes {edge.episodes!r} is not a list")
            check(is_utc(edge.created_at) and window[0] <= edge.created_at <= window[1],
                  f"{what}: created_at {show(edge.created_at)} is not a UTC time within its ingest [{window[0].isoformat()}, {window[1].isoformat()}]")
    for w in EXPIRED:
        edge = expired_by_label.get(w.label)
        if edge is not None:
            check(is_utc(edge.expired_at) and p2_from <= edge.expired_at <= p2_to,
                  f"edge {w.label}: expired_at {show(edge.expired_at)} is not a UTC time within part 2's ingest "
                  f"[{p2_from.isoformat()}, {p2_to.isoformat()}]")

    # apex's own answer (valid now, known now) must be the current edges valid now.
    now = datetime.now(timezone.utc)
    for entity in ENTITIES:
        from_apex = sorted((r["type"], r["direction"], r["entity"]["type"], r["entity"]["key"], utc(r["valid_at"]))
                           for r in states[entity]["relations"])
        from_graphiti = sorted(
            (e.name, "outgoing" if e.source_node_uuid == ids[entity] else "incoming",
             *by_id[e.target_node_uuid if e.source_node_uuid == ids[entity] else e.source_node_uuid], e.valid_at)
            for e in current
            if ids[entity] in (e.source_node_uuid, e.target_node_uuid) and e.valid_at <= now and (e.invalid_at is None or e.invalid_at > now)
            and e.source_node_uuid in by_id and e.target_node_uuid in by_id)
        check.equal(from_graphiti, from_apex, f"relations of {entity[0]}/{entity[1]} valid now (graphiti's current edges vs apex state)")

    # -- 4. get_by_uuid ------------------------------------------------------------------------------
    for label, edge in (("D", current_by_label.get("D")), ("B0", expired_by_label.get("B0"))):
        if edge is not None:
            again = await EntityEdge.get_by_uuid(driver, edge.uuid)
            check.equal(again.model_dump(), edge.model_dump(), f"EntityEdge.get_by_uuid({edge.uuid}) (edge {label})")

    # -- 5. fulltext search (string-compared date filters included) ----------------------------------
    def uuids_of(*labels):
        found = {**current_by_label, **expired_by_label}
        return sorted(found[label].uuid for label in labels if label in found)

    def labels_of(result):
        names = {e.uuid: label for label, e in {**current_by_label, **expired_by_label}.items()}
        return sorted(names.get(e.uuid, e.uuid) for e in result)

    is_null = [[DateFilter(comparison_operator=ComparisonOperator.is_null)]]
    searches = [
        (SEARCH_WORD, SearchFilters(), ["B", "B0"], "all knowledge states"),
        (SEARCH_WORD, SearchFilters(expired_at=is_null), ["B"], "expired_at IS NULL"),
        (REL, SearchFilters(expired_at=is_null, valid_at=[[DateFilter(date=utc("2025-03-01T00:00:00Z"),
                                                                          comparison_operator=ComparisonOperator.less_than_equal)]]),
         ["A", "B", "C"], "expired_at IS NULL, valid_at <= 2025-03-01"),
        (REL, SearchFilters(expired_at=is_null, invalid_at=is_null), ["D", "E"], "expired_at IS NULL, invalid_at IS NULL"),
    ]
    for query, filters, expected, described in searches:
        result = await edge_fulltext_search(driver, query, filters, [graph], limit=50)
        check.equal(labels_of(result), sorted(expected), f"edge_fulltext_search({query!r}, {described})")
        if query == SEARCH_WORD:
            check(all(SEARCH_WORD in e.fact for e in result), f"edge_fulltext_search({query!r}): a hit's fact lacks the word")
    people = await node_fulltext_search(driver, "Robert", SearchFilters(), [graph], limit=50)
    check.equal([n.uuid for n in people], [ids[D1]], "node_fulltext_search('Robert')")

    # -- 6. ingesting part 2 again changes no edge ---------------------------------------------------
    before = sorted((e.uuid, show(e.expired_at), show(e.invalid_at)) for e in edges)
    answer3, _, _ = apex.ingest(part2)
    check.equal(answer3.get("new_entities"), 0, "apex ingest part 2 again: new_entities")
    after = sorted((e.uuid, show(e.expired_at), show(e.invalid_at)) for e in await read_edges(driver, graph))
    check.equal(after, before, "edges (uuid, expired_at, invalid_at) after ingesting part 2 a second time")

    summary = (f"{len(nodes)} entity nodes, {len(current)} current + {len(expired)} expired RELATES_TO edges, "
               f"get_by_uuid and {len(searches) + 1} fulltext searches")
    return check, summary


def main() -> None:
    parser = argparse.ArgumentParser(description="Check that graphiti-core reads the FalkorDB graph apex writes.")
    parser.add_argument("--apex", required=True, help="path to the apex binary")
    parser.add_argument("--graph-url", required=True, help="falkordb://[user:password@]host:port/GRAPH; GRAPH must not exist yet")
    parser.add_argument("--keep", action="store_true", help="keep the graph afterwards (default: delete it)")
    args = parser.parse_args()
    if not (os.path.isfile(args.apex) and os.access(args.apex, os.X_OK)):
        fail_run(f"--apex {args.apex!r} is not an executable file")
    host, port, username, password, graph = parse_graph_url(args.graph_url)

    try:
        server = falkordb.FalkorDB(host=host, port=port, username=username, password=password)
        if graph in server.list_graphs():
            fail_run(f"graph {graph!r} already exists on {host}:{port}; give a fresh graph name (it is deleted afterwards)")
    except Exception as error:  # noqa: BLE001 - any connection problem ends the run with one sentence
        fail_run(f"cannot reach FalkorDB at {host}:{port}: {error}")

    # Built outside a running event loop, so graphiti does not schedule its index build on the graph.
    driver = FalkorDriver(host=host, port=port, username=username, password=password, database=graph)

    async def go():
        try:
            return await run(args, driver, graph, work)
        finally:
            await driver.close()

    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="apex-interop-")
    try:
        check, summary = asyncio.run(go())
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep and graph in server.list_graphs():
            server.select_graph(graph).delete()
    if check.failures:
        print(f"graphiti_reads_apex: {len(check.failures)} of {check.count} checks failed on graph {graph}:", file=sys.stderr)
        for failure in check.failures:
            print(f"  - {failure}", file=sys.stderr)
        sys.exit(1)
    print(f"graphiti-core read apex's graph {graph}: {summary} match; {check.count} checks passed "
          f"in {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
