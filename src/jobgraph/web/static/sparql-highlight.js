// A compact SPARQL 1.1 highlighter: one tokenising regular expression, HTML out. No dependencies, so the
// query page works offline. Exposes window.sparqlHighlight(text) -> HTML string.
(function () {
  "use strict";
  const KEYWORDS = [
    "BASE", "PREFIX", "SELECT", "CONSTRUCT", "DESCRIBE", "ASK", "WHERE", "FROM", "NAMED", "DISTINCT",
    "REDUCED", "AS", "GROUP", "BY", "HAVING", "ORDER", "ASC", "DESC", "LIMIT", "OFFSET", "VALUES",
    "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "SILENT", "FILTER", "BIND", "NOT", "EXISTS", "IN",
    "UNDEF", "INSERT", "DELETE", "DATA", "WITH", "USING", "DEFAULT", "ALL", "LOAD", "CLEAR", "DROP",
    "CREATE", "ADD", "MOVE", "COPY", "INTO", "TO", "a", "true", "false",
  ];
  const FUNCTIONS = [
    "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT", "SEPARATOR", "STR", "LANG", "LANGMATCHES",
    "DATATYPE", "BOUND", "IRI", "URI", "BNODE", "RAND", "ABS", "CEIL", "FLOOR", "ROUND", "CONCAT", "STRLEN",
    "UCASE", "LCASE", "ENCODE_FOR_URI", "CONTAINS", "STRSTARTS", "STRENDS", "STRBEFORE", "STRAFTER",
    "YEAR", "MONTH", "DAY", "HOURS", "MINUTES", "SECONDS", "TIMEZONE", "TZ", "NOW", "UUID", "STRUUID", "MD5",
    "SHA1", "SHA256", "SHA384", "SHA512", "COALESCE", "IF", "STRLANG", "STRDT", "SAMETERM", "ISIRI", "ISURI",
    "ISBLANK", "ISLITERAL", "ISNUMERIC", "REGEX", "SUBSTR", "REPLACE",
  ];
  const words = (list) => list.join("|");
  const TOKEN = new RegExp([
    "(?<comment>#[^\\n]*)",
    "(?<iri><[^\\s<>\"{}|^`\\\\]*>)",
    "(?<string>\"\"\"[\\s\\S]*?\"\"\"|'''[\\s\\S]*?'''|\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*')",
    "(?<variable>[?$][A-Za-z_0-9\\u00B7-\\uFFFF]+)",
    "(?<pname>(?:[A-Za-z][\\w.-]*)?:(?:[\\w-]+(?:\\.[\\w-]+)*)?)",
    `(?<keyword>\\b(?:${words(KEYWORDS)})\\b)`,
    `(?<function>\\b(?:${words(FUNCTIONS)})(?=\\s*\\())`,
    "(?<number>\\b\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?\\b)",
    "(?<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
  ].join("|"), "giu");
  // Keywords are case-insensitive in SPARQL, but "a" must be lower case: check it after matching.
  const escape = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  window.sparqlHighlight = function (text) {
    let html = "", last = 0;
    for (const m of text.matchAll(TOKEN)) {
      let kind = Object.keys(m.groups).find((k) => m.groups[k] !== undefined);
      if (kind === "keyword" && m[0].toLowerCase() === "a" && m[0] !== "a") kind = null;
      html += escape(text.slice(last, m.index));
      html += kind ? `<span class="tok-${kind}">${escape(m[0])}</span>` : escape(m[0]);
      last = m.index + m[0].length;
    }
    return html + escape(text.slice(last));
  };
})();
