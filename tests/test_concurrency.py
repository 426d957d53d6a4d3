"""Queries during an ingest: threads querying the store the ingest writes to (as `jobgraph serve` and an ingest
through the app share it), and clients of the live HTTP server, keep getting answers, and in every answer each
document is wholly in its before-state or its after-state, never half-replaced."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from jobgraph.ingest import ingest
from jobgraph.store import OxigraphStore
from jobgraph.vocab import source_iri
from jobgraph.web import create_app

from .conftest import LiveServer, reference_data, varied_postings

DOCUMENTS = 12
SOURCES = source_iri("x").value.rsplit("/", 1)[0] + "/"
QUERY = f"SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{SOURCES}')) }}"
State = dict[str, frozenset[tuple[str, ...]]]


def by_graph(rows: list[tuple[str, ...]]) -> State:
    graphs: dict[str, set[tuple[str, ...]]] = {}
    for g, *triple in rows:
        graphs.setdefault(g, set()).add(tuple(triple))
    return {g: frozenset(t) for g, t in graphs.items()}


def in_process(store: OxigraphStore) -> Callable[[], State]:
    return lambda: by_graph([tuple(str(term) for term in row) for row in store.query(QUERY)])


def over_http(url: str) -> Callable[[], State]:
    def ask() -> State:
        request = urllib.request.Request(f"{url}/sparql?" + urllib.parse.urlencode({"query": QUERY}),
                                         headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
            rows = json.load(response)["results"]["bindings"]
        return by_graph([tuple(json.dumps(row[v], sort_keys=True) for v in ("g", "s", "p", "o")) for row in rows])
    return ask


def test_queries_during_an_ingest_see_each_document_before_or_after_never_half(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    ingest([*reference_data(), *varied_postings(tmp_path / "in", DOCUMENTS)], store, on_error=pytest.fail)
    server = LiveServer(create_app(store))
    channels = {"thread": in_process(store), "http": over_http(server.url)}
    try:
        before = {name: ask() for name, ask in channels.items()}
        assert len(before["thread"]) == len(before["http"]) == DOCUMENTS
        changed = varied_postings(tmp_path / "in", DOCUMENTS, version=1)  # every document changes
        added = varied_postings(tmp_path / "new", DOCUMENTS // 2, version=2)  # and new ones come

        answers: dict[str, list[State]] = {name: [] for name in channels}
        done = threading.Event()
        failures: list[BaseException] = []

        def keep_asking(name: str) -> None:
            try:
                while not done.is_set():
                    answers[name].append(channels[name]())
                    done.wait(0.02)  # leave the ingest some of the two cores
            except BaseException as err:  # noqa: BLE001 - reported by the test below
                failures.append(err)

        askers = [threading.Thread(target=keep_asking, args=(name,)) for name in channels]
        for t in askers:
            t.start()
        # One document a transaction, and a breath between files: an idle machine's ingest of 18 small files
        # is otherwise over (or one batch) before a query can land part-way.
        def unhurried(files: Iterable[Path]) -> Iterator[Path]:
            for path in files:
                time.sleep(0.03)
                yield path

        summary = ingest([*changed, *added], store, on_error=pytest.fail, batch_size=1, progress=unhurried)
        done.set()
        for t in askers:
            t.join()
        assert not failures, failures
        assert summary.postings >= DOCUMENTS + len(added)
        after = {name: ask() for name, ask in channels.items()}
    finally:
        server.stop()

    mixed = 0
    for name, states in answers.items():
        assert states, f"no {name} answer during the ingest"
        for state in states:  # a document that was there is old or new; one that was not is absent or whole
            assert before[name].keys() <= state.keys() <= after[name].keys()
            new = {g for g, triples in state.items() if triples == after[name][g] != before[name].get(g)}
            old = {g for g, triples in state.items() if triples == before[name].get(g)}
            assert new | old == state.keys(), f"{name}: half-written graphs {state.keys() - new - old}"
            mixed += bool(new and old)
    assert len(after["thread"]) == len(after["http"]) == DOCUMENTS + len(added)
    assert all(after[name][g] != before[name].get(g) for name in channels for g in after[name])
    print({n: len(s) for n, s in answers.items()}, "mixed:", mixed)
    assert mixed, "no answer came while the ingest was part-way: the test did not test concurrency"
