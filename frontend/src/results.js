// Answers as one shape for every view: columns, and rows of RDF terms keyed by column.
// A term is {type: "uri" | "literal" | "bnode", value, lang?, datatype?}, as in SPARQL JSON.

const XSD = "http://www.w3.org/2001/XMLSchema#";
const NUMERIC = new Set(
  ["integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
   "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong"]
    .map((name) => XSD + name),
);
const DATES = new Set(["date", "dateTime", "gYear", "gYearMonth"].map((name) => XSD + name));

/** A SPARQL JSON answer (SELECT or ASK). */
export function fromSparqlJson(data) {
  if ("boolean" in data) {
    const value = { type: "literal", value: String(data.boolean), datatype: XSD + "boolean" };
    return { kind: "ask", columns: ["boolean"], rows: [{ boolean: value }] };
  }
  return { kind: "select", columns: data.head.vars, rows: data.results.bindings.map(normalise) };
}

function normalise(binding) {
  const row = {};
  for (const [name, term] of Object.entries(binding)) {
    row[name] = {
      type: term.type === "typed-literal" ? "literal" : term.type,
      value: term.value,
      lang: term["xml:lang"],
      datatype: term.datatype,
    };
  }
  return row;
}

const NT_TERM = /^(?:<([^>]*)>|_:(\S+)|"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?)\s*/;

function unescape(text) {
  return text.replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, (_, code) => {
    if (code[0] === "u" || code[0] === "U") return String.fromCodePoint(parseInt(code.slice(1), 16));
    return { t: "\t", n: "\n", r: "\r", b: "\b", f: "\f" }[code] ?? code;
  });
}

function ntTerm(rest) {
  const found = NT_TERM.exec(rest);
  if (!found) throw new SyntaxError("not N-Triples: " + rest.slice(0, 40));
  const [all, iri, bnode, literal, lang, datatype] = found;
  let term;
  if (iri !== undefined) term = { type: "uri", value: unescape(iri) };
  else if (bnode !== undefined) term = { type: "bnode", value: bnode };
  else term = { type: "literal", value: unescape(literal), lang, datatype };
  return [term, rest.slice(all.length)];
}

/** An N-Triples answer (CONSTRUCT, DESCRIBE) as subject, predicate, object rows. */
export function fromNTriples(text) {
  const rows = [];
  for (const line of text.split("\n")) {
    let rest = line.trim();
    if (!rest || rest.startsWith("#")) continue;
    const row = {};
    for (const name of ["subject", "predicate", "object"]) [row[name], rest] = ntTerm(rest);
    rows.push(row);
  }
  return { kind: "graph", columns: ["subject", "predicate", "object"], rows };
}

export function isNumber(term) {
  return Boolean(term && term.type === "literal" && NUMERIC.has(term.datatype));
}

export function isDate(term) {
  return Boolean(term && term.type === "literal" && DATES.has(term.datatype));
}

/** A date literal as a Date, or null; a year is its first day, or with ``end`` its last. */
export function toDate(term, { end = false } = {}) {
  if (!isDate(term)) return null;
  const year = /^-?\d{4}$/.exec(term.value);
  const first = year && end ? `${Number(term.value) + 1}` : term.value;
  const date = new Date(year ? first + "-01-01T00:00:00Z" : term.value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The columns whose every bound value passes ``test`` (and that have one at least). */
export function columnsWhere(result, test) {
  return result.columns.filter((column) => {
    const values = result.rows.map((row) => row[column]).filter(Boolean);
    return values.length > 0 && values.every(test);
  });
}

/** The ``#defaultView:Name`` a query asks for, as in Wikidata's query service, or null. */
export function defaultView(query) {
  const found = /^\s*#\s*defaultView\s*:\s*([A-Za-z]+)/im.exec(query);
  return found ? found[1] : null;
}
