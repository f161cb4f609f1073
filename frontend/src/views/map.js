// Countries on a world map: Natural Earth outlines (world-atlas, 1:110m) drawn with d3-geo.
// The outlines are a static file of this server; countries are matched by ISO 3166-1 numeric code.

import { geoEqualEarth, geoPath } from "d3-geo";
import { scaleSequential } from "d3-scale";
import { interpolateBlues } from "d3-scale-chromatic";
import { feature } from "topojson-client";
import { html, linked, svg } from "../links.js";

const OUTLINES = "/static/dist/countries-110m.json";
let outlines = null;

async function countries() {
  if (!outlines) {
    outlines = fetch(OUTLINES).then(async (response) => {
      if (!response.ok) throw new Error(`${OUTLINES}: ${response.status}`);
      const topology = await response.json();
      return feature(topology, topology.objects.countries).features;
    });
  }
  return outlines;
}

/**
 * Draw the world with ``marks`` ([{code: "156", label, href?, value?}]) coloured in; the
 * others stay grey. Returns the number of marks drawn (a mark whose country the 1:110m atlas
 * lacks is listed under the map instead).
 */
export async function drawMap(container, marks, { width = 960, height = 500 } = {}) {
  const shapes = await countries();
  const byCode = new Map(marks.map((mark) => [String(mark.code).padStart(3, "0"), mark]));
  const values = marks.map((mark) => mark.value).filter((value) => typeof value === "number");
  // Zero is the palest blue (marked, but nothing counted: never the grey of unmarked land); any
  // count starts at a clear blue and darkens to the largest.
  const top = Math.max(1, ...values);
  const shade = scaleSequential([0, top], (t) => interpolateBlues(0.35 + 0.65 * t));
  const colour = (value) => (value > 0 ? shade(value) : interpolateBlues(0.12));
  const projection = geoEqualEarth().fitSize([width, height], { type: "Sphere" });
  const path = geoPath(projection);
  const picture = svg("svg", {
    class: "map", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `world map with ${marks.length} countries or regions marked`,
  });
  picture.append(svg("path", { class: "sphere", d: path({ type: "Sphere" }) }));
  const drawn = new Set();
  for (const shape of shapes) {
    const mark = byCode.get(shape.id);
    if (!mark) {
      picture.append(svg("path", { class: "country", d: path(shape) }));
      continue;
    }
    drawn.add(shape.id);
    const outline = svg("path", {
      class: "country mark", d: path(shape),
      // Without a number, a mark is simply picked out.
      fill: typeof mark.value === "number" ? colour(mark.value) : "#2f6fb0",
    });
    const title = typeof mark.value === "number" ? `${mark.label}: ${mark.value}` : mark.label;
    outline.append(svg("title", {}, title));
    picture.append(linked(outline, mark.href, { inSvg: true }));
  }
  container.append(picture);
  if (values.length) container.append(legend(colour, top));
  const missing = marks.filter((mark) => !drawn.has(String(mark.code).padStart(3, "0")));
  if (missing.length) {
    const note = html("details", { class: "map-missing" });
    note.append(html("summary", {}, `${missing.length} too small for this map`));
    missing.forEach((mark, index) => {
      const title = typeof mark.value === "number" ? `${mark.label} (${mark.value})` : mark.label;
      note.append(linked(html("span", {}, title), mark.href));
      if (index < missing.length - 1) note.append(", ");
    });
    container.append(note);
  }
  return drawn.size;
}

function legend(colour, top) {
  const scale = html("p", { class: "map-legend" }, "0 ");
  for (let step = 0; step <= 4; step += 1) {
    const swatch = html("span", { class: "swatch" });
    swatch.style.background = colour((top * step) / 4);
    scale.append(swatch);
  }
  scale.append(` ${top}`);
  return scale;
}
