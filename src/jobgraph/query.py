"""Running SPARQL from the shell: the same engine as the endpoint, rendered for a terminal or a file."""

from __future__ import annotations

from pyoxigraph import QueryBoolean, QuerySolutions, RdfFormat

from .formats import GRAPH_FORMATS, RESULT_FORMATS, SHORT_NAMES
from .store import GraphStore


class QueryError(Exception):
    """A query that does not parse or cannot be shown in the asked format."""


def render(store: GraphStore, query: str, fmt: str = "table", substitutions: dict | None = None) -> str:
    try:
        result = store.query(query, substitutions=substitutions) if substitutions else store.query(query)
    except SyntaxError as err:
        raise QueryError(f"the query does not parse: {err}") from None
    if isinstance(result, QueryBoolean):
        return ("true" if bool(result) else "false") + "\n"
    if isinstance(result, QuerySolutions):
        if fmt == "table":
            return _table(result)
        if SHORT_NAMES.get(fmt) not in RESULT_FORMATS:
            raise QueryError(f"a SELECT result cannot be written as {fmt}; use table, json, csv, tsv or xml")
        return result.serialize(format=RESULT_FORMATS[SHORT_NAMES[fmt]]).decode()
    rdf_fmt = GRAPH_FORMATS.get(SHORT_NAMES.get(fmt, ""), RdfFormat.TURTLE)
    return result.serialize(format=rdf_fmt).decode()


def _table(result: QuerySolutions) -> str:
    names = [v.value for v in result.variables]
    rows = [[(sol[n].value if sol[n] is not None else "") for n in names] for sol in result]
    widths = [min(60, max([len(n), *(len(r[i]) for r in rows)])) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c[:w].ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(f"({len(rows)} rows)")
    return "\n".join(lines) + "\n"
