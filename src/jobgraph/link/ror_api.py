"""A client of the ROR REST API (v2, or v1 converted), for ids that are not in the local records.

Used by ``--ror-api URL`` on ``jobgraph ror match`` and ``jobgraph ingest``: requests with a timeout and
retries (urllib3's Retry, with backoff, on connection errors, 429 and 5xx), and every answer (a 404 too)
cached on disk so a second run asks nothing.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .ror_dump import v1_to_v2

DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jobgraph" / "ror-api"


class RorApiError(Exception):
    """The ROR API could not be reached or answered nonsense; the message says what to do."""


class RorClient:
    def __init__(self, base_url: str, cache_dir: str | Path | None = None, timeout: float = 10.0, retries: int = 3,
                 on_error: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr)) -> None:
        self.base_url = base_url.rstrip("/")
        self.cache_dir = Path(cache_dir) if cache_dir else DEFAULT_CACHE
        self.timeout = timeout
        self.on_error = on_error
        self.fetched: dict[str, dict[str, Any]] = {}  # records fetched in this run, to be stored
        self.session = requests.Session()
        retry = Retry(total=retries, backoff_factor=0.3, status_forcelist=(429, 500, 502, 503, 504),
                      allowed_methods=("GET",))
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self.session.headers["User-Agent"] = "jobgraph (ROR client)"

    def _get(self, path: str) -> tuple[int, Any]:
        url = f"{self.base_url}{path}"
        try:
            resp = self.session.get(url, timeout=self.timeout)
        except requests.RequestException as err:
            raise RorApiError(f"cannot reach the ROR API at {url}: {err}; check --ror-api, or leave it out to "
                              "match against the local records only") from None
        try:
            return resp.status_code, resp.json()
        except ValueError:
            raise RorApiError(f"{url} answered HTTP {resp.status_code} with no JSON: is --ror-api the base of a "
                              "ROR API (e.g. https://api.ror.org/v2)?") from None

    def _cached(self, name: str, fetch: Callable[[], Any]) -> Any:
        path = self.cache_dir / (quote(name, safe="") + ".json")
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        value = fetch()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
        return value

    def record(self, iri: str) -> dict[str, Any] | None:
        """The v2 record of a ROR id, or None when ROR does not know it (or cannot be reached: said on stderr)."""
        ror_id = iri.rstrip("/").rsplit("/", 1)[-1]

        def fetch() -> dict[str, Any] | None:
            status, body = self._get(f"/organizations/{ror_id}")
            if status == 404:
                return None
            if status != 200 or not isinstance(body, dict) or "id" not in body:
                raise RorApiError(f"the ROR API answered HTTP {status} for {ror_id}: {str(body)[:200]}")
            return body if "names" in body else v1_to_v2(body)

        try:
            rec = self._cached(f"{self.base_url}/{ror_id}", fetch)
        except RorApiError as err:
            self.on_error(f"warning: {err}")
            return None
        if rec:
            self.fetched[rec["id"]] = rec
        return rec

    def affiliation(self, text: str) -> list[dict[str, Any]]:
        """ROR's own affiliation matching for a string: its ``items`` (substring, score, chosen, organization)."""

        def fetch() -> list[dict[str, Any]]:
            status, body = self._get(f"/organizations?affiliation={quote(text)}")
            if status != 200 or not isinstance(body, dict):
                raise RorApiError(f"the ROR API answered HTTP {status} to an affiliation query: {str(body)[:200]}")
            return body.get("items", [])

        try:
            return self._cached(f"{self.base_url}/affiliation/{text}", fetch)
        except RorApiError as err:
            self.on_error(f"warning: {err}")
            return []
