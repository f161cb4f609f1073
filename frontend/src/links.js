// Where things link, and what they are called when they have no label.

/** This server's own path for an IRI under the base, the IRI itself when on the web, else null. */
export function linkFor(iri, base) {
  if (base && iri.startsWith(base)) return "/" + iri.slice(base.length);
  return /^https?:\/\//.test(iri) ? iri : null;
}

/** A short readable name for an IRI: its last segment, dashes as spaces. */
export function shortName(iri) {
  const tail = iri.split(/[#/]/).filter(Boolean).pop() || iri;
  return decodeURIComponent(tail).replace(/-/g, " ");
}

/** The text of a term as the table shows it. */
export function termText(term) {
  if (!term) return "";
  if (term.type === "bnode") return "_:" + term.value;
  if (term.lang) return term.value + " @" + term.lang;
  return term.value;
}

const SVG = "http://www.w3.org/2000/svg";

function build(node, attributes, text) {
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  if (text !== null) node.textContent = text;
  return node;
}

/** An HTML element, never built from markup: data only ever goes in as text. */
export function html(name, attributes = {}, text = null) {
  return build(document.createElement(name), attributes, text);
}

/** An SVG element, likewise. */
export function svg(name, attributes = {}, text = null) {
  return build(document.createElementNS(SVG, name), attributes, text);
}

/** An HTML or SVG link to ``href`` around ``child``, or ``child`` alone without one. */
export function linked(child, href, { inSvg = false } = {}) {
  if (!href) return child;
  const a = inSvg ? svg("a", { href }) : html("a", { href });
  a.append(child);
  return a;
}
