// The query page: a highlighted editor, runs against /sparql or a stored query, shows results as a table.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const editor = $("query"), code = $("highlight").firstElementChild;
  const out = $("out"), status = $("status");
  const stored = JSON.parse($("stored-queries").textContent);
  const prefixes = JSON.parse($("store-prefixes").textContent);
  const XSD = "http://www.w3.org/2001/XMLSchema#", NUMERIC = ["integer", "decimal", "double", "float"];
  const local = JSON.parse($("local-iris").textContent);
  // Where this server shows an IRI (/posting/…, /skill/…, /ror/<id>); any other IRI links to itself.
  function localHref(iri) {
    if (iri.startsWith("https://ror.org/")) return "/ror/" + iri.slice("https://ror.org/".length);
    for (const base of local.bases) {
      if (iri.startsWith(base) && local.kinds.includes(iri.slice(base.length).split("/")[0])) {
        return "/" + iri.slice(base.length);
      }
    }
    return iri;
  }
  const ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9";

  // --- the editor: a transparent textarea over its highlighted copy --------------------------------
  function paint() {
    code.innerHTML = window.sparqlHighlight(editor.value) + "\n";
    $("highlight").scrollTop = editor.scrollTop;
    $("highlight").scrollLeft = editor.scrollLeft;
    updateDownload();
  }
  editor.addEventListener("input", paint);
  editor.addEventListener("scroll", () => {
    $("highlight").scrollTop = editor.scrollTop;
    $("highlight").scrollLeft = editor.scrollLeft;
  });
  editor.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); runEditor(); }
  });

  function updateDownload() {
    const params = new URLSearchParams({ query: editor.value, format: $("download-format").value });
    $("download").href = "/sparql?" + params;
    $("download").setAttribute("download", "results." + $("download-format").value);
  }
  $("download-format").addEventListener("change", updateDownload);

  $("add-prefixes").addEventListener("click", () => {
    const have = new Set([...editor.value.matchAll(/PREFIX\s+([\w-]*):/gi)].map((m) => m[1]));
    const missing = Object.entries(prefixes).filter(([p]) => !have.has(p));
    editor.value = missing.map(([p, iri]) => `PREFIX ${p}: <${iri}>\n`).join("") + editor.value;
    paint();
    editor.focus();
  });

  // --- results ----------------------------------------------------------------------------------------
  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      a.href = localHref(term.value); a.title = term.value;
      term.value.split("/").forEach((part, i) => {  // let long IRIs wrap after a slash
        if (i) a.append("/", document.createElement("wbr"));
        a.append(part);
      });
      td.append(a);
    } else {
      td.textContent = term.type === "bnode" ? "_:" + term.value : term.value;
      const type = term.datatype ? term.datatype.split(/[#/]/).pop() : "";
      const numeric = NUMERIC.includes(type) && term.datatype.startsWith(XSD);
      if (numeric) td.className = "number";
      const note = term["xml:lang"] || (type && type !== "string" && !numeric ? type : "");
      if (note) { const s = document.createElement("span"); s.className = "note"; s.textContent = " " + note; td.append(s); }
    }
    return td;
  }

  function table(vars, rows) {
    const wrap = document.createElement("div"), t = document.createElement("table");
    wrap.className = "results";
    const caption = t.createCaption();
    caption.textContent = `${rows.length} row${rows.length === 1 ? "" : "s"}`;
    const head = t.createTHead().insertRow();
    for (const v of vars) { const th = document.createElement("th"); th.scope = "col"; th.textContent = v; head.append(th); }
    const body = t.createTBody();
    for (const row of rows) { const tr = body.insertRow(); for (const v of vars) tr.append(cell(row[v])); }
    wrap.append(t);
    return wrap;
  }

  // N-Triples lines as subject/predicate/object rows (CONSTRUCT and DESCRIBE results).
  const NT_TERM = /^(<[^>]*>|_:\S+|"(?:[^"\\]|\\.)*"(?:@[\w-]+|\^\^<[^>]*>)?)\s*/;
  function ntTerm(text) {
    if (text.startsWith("<")) return { type: "uri", value: text.slice(1, -1) };
    if (text.startsWith("_:")) return { type: "bnode", value: text.slice(2) };
    const m = text.match(/^"((?:[^"\\]|\\.)*)"(?:@([\w-]+)|\^\^<([^>]*)>)?$/);
    return { type: "literal", value: JSON.parse('"' + m[1] + '"'), "xml:lang": m[2], datatype: m[3] };
  }
  function triples(text) {
    const rows = [];
    for (let line of text.split("\n")) {
      line = line.trim();
      if (!line || line.startsWith("#")) continue;
      const terms = [];
      for (let i = 0; i < 3; i++) {
        const m = line.match(NT_TERM);
        if (!m) break;
        terms.push(ntTerm(m[1])); line = line.slice(m[0].length);
      }
      if (terms.length === 3) rows.push({ subject: terms[0], predicate: terms[1], object: terms[2] });
    }
    return rows;
  }

  function showError(message) {
    const p = document.createElement("p");
    p.className = "error"; p.setAttribute("role", "alert"); p.textContent = message;
    out.replaceChildren(p);
  }

  async function show(response, started) {
    const text = await response.text();
    const ms = Math.round(performance.now() - started);
    if (!response.ok) {
      status.textContent = `failed (${response.status}) in ${ms} ms`;
      showError(text.trim() || response.statusText);
      return;
    }
    const type = response.headers.get("Content-Type") || "";
    let node;
    if (type.includes("json")) {
      const data = JSON.parse(text);
      if ("boolean" in data) {
        node = document.createElement("p"); node.className = "answer"; node.textContent = data.boolean ? "yes (true)" : "no (false)";
      } else {
        node = table(data.head.vars, data.results.bindings);
      }
    } else {
      node = table(["subject", "predicate", "object"], triples(text));
    }
    status.textContent = `done in ${ms} ms`;
    out.replaceChildren(node);
    const rows = out.querySelectorAll("tbody tr").length;
    if (out.querySelector("table")) status.textContent = `${rows} row${rows === 1 ? "" : "s"} in ${ms} ms`;
  }

  async function run(url, init) {
    status.textContent = "running…";
    out.replaceChildren();
    const started = performance.now();
    try {
      await show(await fetch(url, init), started);
    } catch (err) {
      status.textContent = "failed";
      showError("The server could not be reached: " + err.message);
    }
  }

  function runEditor() {
    run("/sparql", { method: "POST", body: new URLSearchParams({ query: editor.value }), headers: { Accept: ACCEPT } });
  }
  $("q").addEventListener("submit", (ev) => { ev.preventDefault(); runEditor(); });

  // --- stored queries as examples ------------------------------------------------------------------
  const byName = Object.fromEntries(stored.map((q) => [q.name, q]));
  function chosen() { return byName[$("example").value]; }

  function storedUrl(q, format) {
    const params = new URLSearchParams();
    for (const p of q.params) params.set(p.name, $("param-" + p.name).value);
    if (format) params.set("format", format);
    const qs = params.toString();
    return "/queries/" + encodeURIComponent(q.name) + (qs ? "?" + qs : "");
  }

  function showExample() {
    const q = chosen();
    if (!q) return;
    $("example-description").textContent = q.description;
    const box = $("example-params");
    box.replaceChildren();
    for (const p of q.params) {
      const label = document.createElement("label");
      label.htmlFor = "param-" + p.name; label.textContent = `?${p.name} — ${p.meaning}`;
      const input = document.createElement("input");
      input.id = "param-" + p.name; input.value = p.default; input.name = p.name;
      input.addEventListener("input", () => { $("stored-link").href = storedUrl(q); });
      const para = document.createElement("p");
      para.append(label, document.createElement("br"), input);
      box.append(para);
    }
    $("stored-link").href = storedUrl(q);
  }
  $("example").addEventListener("change", showExample);

  $("run-stored").addEventListener("click", () => {
    const q = chosen();
    const format = q.form === "CONSTRUCT" || q.form === "DESCRIBE" ? "ntriples" : "json";
    run(storedUrl(q, format), { headers: { Accept: ACCEPT } });
    $("download").href = storedUrl(q, $("download-format").value);
  });
  $("open-stored").addEventListener("click", () => {
    editor.value = chosen().text;
    paint();
    editor.focus();
  });

  showExample();
  paint();
})();
