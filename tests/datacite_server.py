"""A local stand-in for the DataCite REST API that answers with the real recorded responses.

``GET /dois/<doi>`` returns the recorded body of ``../shared/datacite/responses/<doi with / as _>.json``
byte for byte; DOIs that occur only inside the recorded list responses (``/dois?query=…``) are answered
with their resource object as ``{"data": …}``, the shape the single-DOI endpoint has (the recordings'
README says the item is the same resource object). Anything else gets DataCite's 404 body. A DOI under
``10.0000/slow`` sleeps first, to test timeouts.

Run it by hand (``python -m tests.datacite_server PORT``) to point ``jobgraph datacite link --api`` at it.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

NOT_FOUND = b'{"errors":[{"status":"404","title":"The resource you are looking for doesn\'t exist."}]}'


def recorded(responses: Path) -> dict[str, bytes]:
    """DOI (lower case) -> the response body to serve."""
    bodies: dict[str, bytes] = {}
    for path in sorted((responses / "lists").glob("*.json")):
        for item in json.loads(path.read_bytes()).get("data") or []:
            bodies.setdefault(item["id"].lower(), json.dumps({"data": item}).encode())
    for path in sorted(responses.glob("*.json")):
        raw = path.read_bytes()
        bodies[json.loads(raw)["data"]["id"].lower()] = raw  # the single-DOI recordings win
    return bodies


class DataCiteStub:
    def __init__(self, responses: Path, port: int = 0) -> None:
        self.bodies = recorded(responses)
        self.requests: list[str] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                stub.requests.append(self.path)
                path = unquote(urlsplit(self.path).path)
                doi = path.removeprefix("/dois/").lower() if path.startswith("/dois/") else ""
                if doi.startswith("10.0000/slow"):
                    time.sleep(2)
                body = stub.bodies.get(doi)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/vnd.api+json; charset=utf-8")
                self.send_header("Content-Length", str(len(body or NOT_FOUND)))
                self.end_headers()
                self.wfile.write(body or NOT_FOUND)

            def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1].parent / "shared" / "datacite" / "responses"
    stub = DataCiteStub(Path(sys.argv[2]) if len(sys.argv) > 2 else root, int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(f"serving {len(stub.bodies)} recorded DataCite records on {stub.url}", flush=True)
    stub.thread.join()
