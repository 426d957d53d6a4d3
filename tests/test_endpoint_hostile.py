"""Hostile requests against the real `jobgraph serve` (waitress + oxigraph child), each its own test."""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest
import requests

from .conftest import load_w3c_protocol_data

TOKEN = "hostile-test-token"
# The three W3C test triples joined forty ways: 3^40 solutions to count, so it would run for ages.
RUNAWAY = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(40)) + " }"
TRACEBACK = re.compile(r"Traceback|File \"|line \d+, in ")


@pytest.fixture(scope="module")
def server(serve_process, tmp_path_factory):  # type: ignore[no-untyped-def]
    store = load_w3c_protocol_data(tmp_path_factory.mktemp("hostile") / "store")
    return serve_process(store, "--timeout", "2", "--update-token", TOKEN, "--max-request-bytes", str(1 << 20))


@pytest.fixture(scope="module")
def read_only(serve_process, tmp_path_factory):  # type: ignore[no-untyped-def]
    return serve_process(tmp_path_factory.mktemp("hostile-ro") / "store")


def ask(url: str) -> requests.Response:
    return requests.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)


def assert_no_traceback(resp: requests.Response) -> None:
    assert not TRACEBACK.search(resp.text), resp.text


def test_runaway_query_is_stopped_and_light_queries_answered_meanwhile(server) -> None:  # type: ignore[no-untyped-def]
    result: dict = {}

    def heavy() -> None:
        start = time.monotonic()
        result["resp"] = requests.get(server.url + "/sparql", params={"query": RUNAWAY}, timeout=60)
        result["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=heavy)
    thread.start()
    time.sleep(0.5)
    light = []
    while thread.is_alive():
        start = time.monotonic()
        resp = ask(server.url)
        light.append((resp.status_code, time.monotonic() - start))
        time.sleep(0.2)
    thread.join()
    assert result["resp"].status_code == 503 and "2 s limit" in result["resp"].text
    assert result["seconds"] < 10  # 2 s timeout + 1 s grace + a loaded machine
    assert light and all(code == 200 for code, _ in light), light
    assert_no_traceback(result["resp"])
    assert ask(server.url).json()["boolean"] is True  # and the server still answers afterwards


def test_100_mb_post_is_refused_before_it_is_read(server) -> None:  # type: ignore[no-untyped-def]
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 104857600\r\n\r\n" + b"#" * 65536)
        answer = sock.recv(4096).decode(errors="replace")  # answered after 64 KB of the 100 MB
    assert answer.startswith("HTTP/1.1 413"), answer
    assert not TRACEBACK.search(answer)
    assert ask(server.url).status_code == 200


def test_a_form_just_over_the_cap_gets_413_from_flask_too(server) -> None:  # type: ignore[no-untyped-def]
    resp = requests.post(server.url + "/sparql", data={"query": "ASK {}" + " " * (1 << 20)}, timeout=30)
    assert resp.status_code == 413
    assert_no_traceback(resp)


@pytest.mark.parametrize("endpoint", ["http://example.org/sparql", "http://127.0.0.1:{port}/sparql",
                                      "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/sparql",
                                      "http://[::1]:{port}/"])
def test_service_to_outside_or_private_addresses_is_refused(server, endpoint: str) -> None:  # type: ignore[no-untyped-def]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    url = endpoint.format(port=listener.getsockname()[1])
    for query in (f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
                  f"PREFIX x: <{url}> SELECT * {{ ?a ?b ?c FILTER EXISTS {{ SERVICE SILENT x: {{ ?s ?p ?o }} }} }}",
                  f"SELECT * {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}"):
        resp = requests.get(server.url + "/sparql", params={"query": query}, timeout=10)
        assert resp.status_code == 403, (query, resp.status_code, resp.text)
        assert "SERVICE" in resp.text and "--allow-service" in resp.text
    update = f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
    resp = requests.post(server.url + "/sparql", data={"update": update}, headers={"Authorization": f"Bearer {TOKEN}"},
                         timeout=10)
    assert resp.status_code == 403
    with pytest.raises(TimeoutError):
        listener.accept()  # nobody called the local address
    listener.close()


def test_update_without_token_is_401_and_with_a_wrong_one_403(server, read_only) -> None:  # type: ignore[no-untyped-def]
    update = {"update": "INSERT DATA { <http://ex/s> <http://ex/p> <http://ex/o> }"}
    missing = requests.post(server.url + "/sparql", data=update, timeout=10)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = requests.post(server.url + "/sparql", data=update, headers={"Authorization": "Bearer guess"}, timeout=10)
    assert wrong.status_code == 403
    gsp = requests.put(server.url + "/store?graph=http://ex/g", data=b"<http://ex/s> <http://ex/p> 1 .",
                       headers={"Content-Type": "application/n-triples"}, timeout=10)
    assert gsp.status_code == 401
    disabled = requests.post(read_only.url + "/sparql", data=update, headers={"Authorization": f"Bearer {TOKEN}"},
                             timeout=10)
    assert disabled.status_code == 403 and "read-only" in disabled.text
    for resp in (missing, wrong, gsp, disabled):
        assert_no_traceback(resp)
    nothing = requests.get(server.url + "/sparql", params={"query": "ASK { <http://ex/s> ?p ?o }"}, timeout=10)
    assert nothing.json()["boolean"] is False


@pytest.mark.parametrize("target", [
    "/store?graph=../../../../etc/passwd", "/store?graph=..%2F..%2Fetc%2Fpasswd", "/store?graph=file:///etc/passwd",
    "/sparql?query=ASK{}&default-graph-uri=../../etc/passwd", "/sparql?query=ASK{}&named-graph-uri=..%2Fsecret",
    "/sparql?query=ASK{}&format=../../../etc/passwd", "/sparql/../../../etc/passwd", "/.well-known/../../etc/passwd",
])
def test_dot_dot_in_any_path_parameter_reads_nothing(server, target: str) -> None:  # type: ignore[no-untyped-def]
    resp = requests.get(server.url + target, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert resp.status_code in (400, 404, 406), (target, resp.status_code)
    assert "root:" not in resp.text
    assert_no_traceback(resp)


@pytest.mark.parametrize("accept", [";;;,,,", "application/sparql-results+json;q=banana", "*/*;q=", "\x7f\x01garbage",
                                    "text/html;" + "a=b;" * 2000, "text/turtle"])
def test_malformed_accept_header_gets_a_clear_answer(server, accept: str) -> None:  # type: ignore[no-untyped-def]
    resp = requests.get(server.url + "/sparql", params={"query": "ASK {}"}, headers={"Accept": accept}, timeout=10)
    assert resp.status_code in (200, 400, 406, 431), (accept, resp.status_code)  # 400: waitress refuses control bytes
    if resp.status_code == 406:
        assert "format=" in resp.text
    assert_no_traceback(resp)


def test_engine_crash_is_survived_and_no_error_leaks_a_traceback(server) -> None:  # type: ignore[no-untyped-def]
    pid = int(re.findall(r"oxigraph serve pid (\d+)", server.log.read_text())[-1])
    import os
    import signal

    os.kill(pid, signal.SIGKILL)  # the oxigraph child dies under the app
    time.sleep(0.2)
    resp = ask(server.url)
    assert resp.status_code == 200 and resp.json()["boolean"] is True  # restarted and retried
    bad = [requests.get(server.url + "/sparql", params={"query": "SELECT * WHERE {"}, timeout=10),
           requests.post(server.url + "/sparql", data=b"ASK {}", headers={"Content-Type": "text/plain"}, timeout=10),
           requests.delete(server.url + "/sparql", timeout=10),
           requests.get(server.url + "/sparql", params={"query": ["ASK {}", "ASK {}"]}, timeout=10)]
    assert [r.status_code for r in bad] == [400, 415, 405, 400]
    assert "does not parse" in bad[0].text
    for r in bad:
        assert_no_traceback(r)
