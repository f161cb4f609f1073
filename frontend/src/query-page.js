// The query page: the editor, runs against /sparql, result views, history and a share link.
// Data from the graph is only ever written as text (textContent, attributes), never as markup.

import { createEditor } from "./editor.js";
import { html } from "./links.js";
import { defaultView, fromNTriples, fromSparqlJson } from "./results.js";
import { drawTable, NotDrawable, VIEWS, viewNamed } from "./views/index.js";

const HISTORY_KEY = "scicoop-kg.query-history";
const HISTORY_SIZE = 25;
const ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, application/json;q=0.1";

const base = document.body.dataset.baseIri;
// The style nonce of this answer's Content-Security-Policy, handed over on our <script> tag.
const nonce = document.currentScript ? document.currentScript.nonce : "";
const formats = JSON.parse(document.getElementById("formats").textContent);
const form = document.getElementById("query-form");
const textarea = document.getElementById("query");
const status = document.getElementById("status");
const errorBox = document.getElementById("error");
const table = document.getElementById("results");
const picture = document.getElementById("view");
const switcher = document.getElementById("views");
const downloads = document.getElementById("downloads");
const count = document.getElementById("count");
const share = document.getElementById("share");
const historyList = document.getElementById("history-list");

let answer = null;
let editor = null;

/** The countries of the graph with their codes, asked of /sparql once, for the map view. */
let countryTable = null;
function countries() {
  if (!countryTable) {
    const query = `PREFIX sc: <${base}ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?country ?label ?alpha2 ?alpha3 ?numeric WHERE {
  ?country a sc:CountryOrRegion ; sc:isoNumeric ?numeric .
  OPTIONAL { ?country sc:isoAlpha2 ?alpha2 } OPTIONAL { ?country sc:isoAlpha3 ?alpha3 }
  OPTIONAL { ?country rdfs:label ?label FILTER(LANG(?label) = "en") }
}`;
    countryTable = sparql(query).then((result) => {
      const byKey = new Map();
      for (const row of result.rows) {
        const country = {
          code: row.numeric.value, label: row.label ? row.label.value : row.numeric.value,
          href: "/" + row.country.value.slice(base.length),
        };
        for (const key of ["country", "alpha2", "alpha3", "numeric"]) {
          if (row[key]) byKey.set(row[key].value.toUpperCase(), country);
        }
      }
      return { find: (term) => byKey.get(term.value.toUpperCase()) || null };
    });
  }
  return countryTable;
}

class QueryFailed extends Error {
  constructor(status, body) {
    super(body.message || String(body));
    this.status = status;
    this.line = body.line;
    this.column = body.column;
  }
}

async function sparql(query) {
  const response = await fetch("/sparql", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: ACCEPT },
    body: new URLSearchParams({ query }),
  });
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok) {
    const body = type.startsWith("application/json") ? await response.json() : await response.text();
    throw new QueryFailed(response.status, body);
  }
  if (type.startsWith("application/sparql-results+json")) return fromSparqlJson(await response.json());
  return fromNTriples(await response.text());
}

function showDownloads(query, names) {
  downloads.replaceChildren("Download: ");
  for (const name of names) {
    const href = "/sparql?" + new URLSearchParams({ query, format: name }).toString();
    downloads.append(html("a", { href, download: "" }, name), " ");
  }
}

function remember(query) {
  let kept = [];
  try {
    kept = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]");
  } catch {
    kept = [];
  }
  kept = [{ query, at: new Date().toISOString() }, ...kept.filter((item) => item.query !== query)];
  localStorage.setItem(HISTORY_KEY, JSON.stringify(kept.slice(0, HISTORY_SIZE)));
  showHistory();
}

function showHistory() {
  let kept = [];
  try {
    kept = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]");
  } catch {
    kept = [];
  }
  historyList.replaceChildren();
  for (const item of kept) {
    const button = html("button", { type: "button", class: "history-item",
      title: item.query }, item.query.replace(/^(PREFIX[^\n]*\n)+/i, "").trim().slice(0, 90));
    button.addEventListener("click", () => editor.setText(item.query));
    const li = html("li");
    li.append(html("time", { datetime: item.at }, item.at.slice(0, 16).replace("T", " ")), " ", button);
    historyList.append(li);
  }
}

function markView(name) {
  for (const button of switcher.querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === name));
  }
}

async function show(name) {
  if (!answer) return;
  markView(name);
  picture.replaceChildren();
  picture.dataset.view = name;
  delete picture.dataset.marks;
  table.hidden = name !== "Table";
  picture.hidden = name === "Table";
  if (name === "Table") {
    drawTable(table, answer, base);
    return;
  }
  try {
    const marks = await VIEWS[name](picture, answer, { base, countries });
    picture.dataset.marks = String(marks);
  } catch (error) {
    if (!(error instanceof NotDrawable)) throw error;
    picture.append(html("p", { class: "not-drawable" }, error.message));
    picture.dataset.marks = "0";
  }
}

async function run() {
  const query = editor.text();
  const started = performance.now();
  errorBox.hidden = true;
  errorBox.textContent = "";
  editor.clearError();
  status.textContent = "Running…";
  const link = "/query?" + new URLSearchParams({ query }).toString();
  share.href = link;
  share.hidden = false;
  history.replaceState(null, "", link);
  remember(query);
  try {
    answer = await sparql(query);
  } catch (error) {
    answer = null;
    switcher.hidden = true;
    picture.hidden = true;
    table.replaceChildren();
    picture.replaceChildren();
    count.textContent = "";
    downloads.replaceChildren();
    const where = error.line ? `line ${error.line}, column ${error.column}: ` : "";
    errorBox.textContent = where + error.message;
    errorBox.hidden = false;
    if (error.line) editor.showError(error.line, error.column, error.message);
    status.textContent = error.status ? `Failed (${error.status}).` : "Failed.";
    return;
  }
  count.textContent = `${answer.rows.length} row(s)`;
  switcher.hidden = false;
  showDownloads(query, answer.kind === "graph" ? formats.graph : formats.results);
  const wanted = viewNamed(defaultView(query)) || "Table";
  drawTable(table, answer, base);
  await show(wanted);
  status.textContent = `Done in ${Math.round(performance.now() - started)} ms.`;
}

async function start() {
  let vocabulary = { prefixes: {}, terms: [] };
  try {
    const response = await fetch("/query/completions.json");
    if (response.ok) vocabulary = await response.json();
  } catch {
    // The editor works without completions.
  }
  editor = createEditor(textarea, vocabulary, { onRun: () => void run(), nonce });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void run();
  });
  for (const name of Object.keys(VIEWS)) {
    const button = html("button", { type: "button", "data-view": name, "aria-pressed": "false" }, name);
    button.addEventListener("click", () => void show(name));
    switcher.append(button);
  }
  for (const link of document.querySelectorAll("a.load-example")) {
    const view = viewNamed(defaultView(link.dataset.query));
    if (view) link.after(" ", html("span", { class: "view-badge" }, view));
    link.addEventListener("click", (event) => {
      event.preventDefault();
      editor.setText(link.dataset.query);
      editor.view.focus();
    });
  }
  showHistory();
  document.body.dataset.editorReady = "true";
  if (new URLSearchParams(location.search).has("query")) await run();
}

void start();
