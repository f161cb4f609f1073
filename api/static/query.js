// The query page without a framework: load examples, run queries against /sparql, draw results.
// Data from the graph is only ever written with textContent, never as HTML.
"use strict";

(function () {
  const base = document.body.dataset.baseIri;
  const formats = JSON.parse(document.getElementById("formats").textContent);
  const form = document.getElementById("query-form");
  const editor = document.getElementById("query");
  const status = document.getElementById("status");
  const errorBox = document.getElementById("error");
  const table = document.getElementById("results");
  const downloads = document.getElementById("downloads");
  const count = document.getElementById("count");

  // Where an IRI links: under the base, to this server's own path; other web IRIs, to themselves.
  function linkFor(iri) {
    if (iri.startsWith(base)) return "/" + iri.slice(base.length);
    return /^https?:\/\//.test(iri) ? iri : null;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    let text = term.value;
    if (term.type === "bnode") text = "_:" + term.value;
    if (term["xml:lang"]) text = term.value + " @" + term["xml:lang"];
    const href = term.type === "uri" ? linkFor(term.value) : null;
    if (href) {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      td.appendChild(a);
    } else {
      td.textContent = text;
    }
    return td;
  }

  function clear() {
    table.replaceChildren();
    downloads.replaceChildren();
    count.textContent = "";
    errorBox.hidden = true;
    errorBox.textContent = "";
    const old = document.getElementById("graph");
    if (old) old.remove();
  }

  function showDownloads(query, names) {
    downloads.append("Download: ");
    for (const name of names) {
      const a = document.createElement("a");
      a.href = "/sparql?" + new URLSearchParams({ query: query, format: name }).toString();
      a.textContent = name;
      a.setAttribute("download", "");
      downloads.append(a, " ");
    }
  }

  function showResults(data) {
    const head = document.createElement("thead");
    const body = document.createElement("tbody");
    const headRow = document.createElement("tr");
    if ("boolean" in data) {
      const th = document.createElement("th");
      th.textContent = "boolean";
      headRow.appendChild(th);
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.textContent = String(data.boolean);
      tr.appendChild(td);
      body.appendChild(tr);
      count.textContent = "1 row(s)";
    } else {
      for (const name of data.head.vars) {
        const th = document.createElement("th");
        th.textContent = name;
        headRow.appendChild(th);
      }
      for (const binding of data.results.bindings) {
        const tr = document.createElement("tr");
        for (const name of data.head.vars) tr.appendChild(cell(binding[name]));
        body.appendChild(tr);
      }
      count.textContent = data.results.bindings.length + " row(s)";
    }
    head.appendChild(headRow);
    table.append(head, body);
  }

  async function run(event) {
    event.preventDefault();
    const query = editor.value;
    clear();
    status.textContent = "Running…";
    const started = performance.now();
    try {
      const response = await fetch("/sparql", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/sparql-results+json, text/turtle;q=0.9",
        },
        body: new URLSearchParams({ query: query }),
      });
      const text = await response.text();
      if (!response.ok) {
        errorBox.textContent = text;
        errorBox.hidden = false;
        status.textContent = "Failed (" + response.status + ").";
        return;
      }
      const type = response.headers.get("Content-Type") || "";
      if (type.startsWith("application/sparql-results+json")) {
        showResults(JSON.parse(text));
        showDownloads(query, formats.results);
      } else {
        const pre = document.createElement("pre");
        pre.id = "graph";
        pre.textContent = text;
        table.after(pre);
        showDownloads(query, formats.graph);
      }
      status.textContent = "Done in " + Math.round(performance.now() - started) + " ms.";
    } catch (error) {
      errorBox.textContent = String(error);
      errorBox.hidden = false;
      status.textContent = "Failed.";
    }
  }

  for (const link of document.querySelectorAll("a.load-example")) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      editor.value = link.dataset.query;
      editor.focus();
    });
  }
  form.addEventListener("submit", run);
})();
