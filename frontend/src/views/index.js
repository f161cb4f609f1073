// The result views of the query page, as on Wikidata's query service: each turns an answer into
// its picture, or says what it needs. ``#defaultView:Name`` in the query picks one.

import { columnsWhere, isDate, isNumber, toDate } from "../results.js";
import { html, linkFor, linked, shortName, termText } from "../links.js";
import { drawNetwork } from "./network.js";
import { drawMap } from "./map.js";
import { drawBars, drawLine, drawTimeline } from "./charts.js";

const LABELS = new Set([
  "http://www.w3.org/2000/01/rdf-schema#label", "https://schema.org/name",
  "http://www.w3.org/2004/02/skos/core#prefLabel",
]);
const TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
/** Nodes a network view lays out at most (the layout runs in the page, before drawing). */
const MAX_NODES = 1500;

/** Why a view cannot draw an answer. */
export class NotDrawable extends Error {}

function labelColumn(result, column) {
  return result.columns.includes(column + "Label") ? column + "Label" : null;
}

/** The first text column that is not a node, for naming a row. */
function rowName(result, row, skip = []) {
  for (const column of result.columns) {
    const term = row[column];
    if (term && term.type === "literal" && !isNumber(term) && !isDate(term) && !skip.includes(column)) {
      return term.value;
    }
  }
  const iri = result.columns.map((column) => row[column]).find((term) => term && term.type === "uri");
  return iri ? shortName(iri.value) : "";
}

function rowLink(result, row, base) {
  const iri = result.columns.map((column) => row[column]).find((term) => term && term.type === "uri");
  return iri ? linkFor(iri.value, base) : null;
}

/** Nodes and edges: a CONSTRUCT's triples, or a SELECT's IRI columns linked along each row. */
export function toNetwork(result, base) {
  const nodes = new Map();
  const edges = [];
  const node = (term, group) => {
    if (!nodes.has(term.value)) {
      nodes.set(term.value, {
        id: term.value, label: term.type === "bnode" ? "_:" + term.value : shortName(term.value),
        href: term.type === "uri" ? linkFor(term.value, base) : null, group,
      });
    }
    return nodes.get(term.value);
  };
  if (result.kind === "graph") {
    for (const { subject, predicate, object } of result.rows) {
      const from = node(subject, "");
      if (object.type === "literal") {
        if (LABELS.has(predicate.value) && (!object.lang || object.lang === "en")) from.label = object.value;
      } else if (predicate.value === TYPE) {
        from.group = shortName(object.value);
      } else {
        node(object, "");
        edges.push({ source: subject.value, target: object.value, label: shortName(predicate.value) });
      }
    }
  } else {
    const columns = columnsWhere(result, (term) => term.type === "uri" || term.type === "bnode");
    if (!columns.length) throw new NotDrawable("A network needs columns of IRIs (one node per IRI).");
    for (const row of result.rows) {
      let previous = null;
      for (const column of columns) {
        const term = row[column];
        if (!term) continue;
        const found = node(term, column);
        const label = labelColumn(result, column);
        if (label && row[label]) found.label = row[label].value;
        if (previous && previous.id !== found.id) {
          edges.push({ source: previous.id, target: found.id });
        }
        previous = found;
      }
    }
  }
  if (nodes.size > MAX_NODES) {
    throw new NotDrawable(`${nodes.size} nodes are more than a network picture can show ` +
      `(${MAX_NODES} at most): add a LIMIT or narrow the query.`);
  }
  const seen = new Set();
  const unique = edges.filter((edge) => {
    const key = `${edge.source}\u0000${edge.target}\u0000${edge.label || ""}`;
    return seen.has(key) ? false : seen.add(key);
  });
  return { nodes: [...nodes.values()], edges: unique };
}

/** A label and a number per row: the first numeric column against the row's name. */
function toBars(result, base) {
  const [value] = columnsWhere(result, isNumber);
  if (!value) throw new NotDrawable("A chart needs a column of numbers.");
  return result.rows.filter((row) => row[value]).map((row) => ({
    label: rowName(result, row, [value]), value: Number(row[value].value), href: rowLink(result, row, base),
  }));
}

function toPoints(result) {
  const numbers = columnsWhere(result, isNumber);
  const [date] = columnsWhere(result, isDate);
  const xColumn = date || numbers[0];
  const yColumn = numbers.find((column) => column !== xColumn);
  if (!xColumn || !yColumn) throw new NotDrawable("A line chart needs a date or number column and a number column.");
  return result.rows.filter((row) => row[xColumn] && row[yColumn]).map((row) => ({
    x: date ? toDate(row[xColumn]) : Number(row[xColumn].value),
    y: Number(row[yColumn].value), label: rowName(result, row),
  }));
}

function toEvents(result, base) {
  const dates = columnsWhere(result, isDate);
  if (!dates.length) throw new NotDrawable("A timeline needs a column of dates (xsd:date, dateTime or gYear).");
  const [start, end] = dates;
  return result.rows.filter((row) => row[start]).map((row) => ({
    start: toDate(row[start]), end: end && row[end] ? toDate(row[end], { end: true }) : null,
    label: rowName(result, row), href: rowLink(result, row, base),
    when: end && row[end] ? `${row[start].value} to ${row[end].value}` : row[start].value,
  }));
}

/** The table, as the server renders it: links for IRIs, text for everything else. */
export function drawTable(table, result, base) {
  const head = html("thead");
  const headRow = html("tr");
  for (const column of result.columns) headRow.append(html("th", {}, column));
  head.append(headRow);
  const body = html("tbody");
  for (const row of result.rows) {
    const tr = html("tr");
    for (const column of result.columns) {
      const term = row[column];
      const td = html("td");
      const href = term && term.type === "uri" ? linkFor(term.value, base) : null;
      td.append(linked(document.createTextNode(termText(term)), href));
      tr.append(td);
    }
    body.append(tr);
  }
  table.replaceChildren(head, body);
  return result.rows.length;
}

/** The map of the countries an answer names, by IRI or ISO code, sized by its numbers. */
async function toMarks(result, countries) {
  const table = await countries();
  const [value] = columnsWhere(result, isNumber);
  const marks = new Map();
  for (const row of result.rows) {
    for (const column of result.columns) {
      const term = row[column];
      if (!term || column === value) continue;
      const country = table.find(term);
      if (!country) continue;
      const label = labelColumn(result, column);
      const mark = marks.get(country.code) || { ...country, value: undefined };
      if (label && row[label]) mark.label = row[label].value;
      if (value && row[value]) mark.value = (mark.value || 0) + Number(row[value].value);
      marks.set(country.code, mark);
      break;
    }
  }
  if (!marks.size) throw new NotDrawable("A map needs a column of countries: their IRIs or ISO 3166-1 codes.");
  return [...marks.values()];
}

/** The views by name (Wikidata's names), each drawing ``result`` into ``container``. */
export const VIEWS = {
  Table: null,
  Graph: async (container, result, { base }) => drawNetwork(container, toNetwork(result, base)),
  Map: async (container, result, { countries }) => drawMap(container, await toMarks(result, countries)),
  BarChart: async (container, result, { base }) => drawBars(container, toBars(result, base)),
  LineChart: async (container, result) => drawLine(container, toPoints(result)),
  Timeline: async (container, result, { base }) => drawTimeline(container, toEvents(result, base)),
};

/** The view called ``name`` in any case, or null. */
export function viewNamed(name) {
  if (!name) return null;
  return Object.keys(VIEWS).find((view) => view.toLowerCase() === name.toLowerCase()) || null;
}
