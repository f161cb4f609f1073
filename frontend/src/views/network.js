// A network drawn with d3-force: nodes as circles linking to their page, edges as lines.
// The layout is computed to rest before anything is drawn, so the picture does not wobble.

import { forceCenter, forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY }
  from "d3-force";
import { scaleOrdinal } from "d3-scale";
import { schemeTableau10 } from "d3-scale-chromatic";
import { select } from "d3-selection";
import { zoom } from "d3-zoom";
import { html, linked, svg } from "../links.js";

const TICKS = 300;

/**
 * Draw ``network`` ({nodes: [{id, label, href?, group?}], edges: [{source, target, label?}]})
 * into ``container``; returns the number of nodes drawn.
 */
export function drawNetwork(container, network, { width = 900 } = {}) {
  const nodes = network.nodes.map((node) => ({ ...node }));
  const known = new Set(nodes.map((node) => node.id));
  const edges = network.edges
    .filter((edge) => known.has(edge.source) && known.has(edge.target))
    .map((edge) => ({ ...edge }));
  const degree = new Map();
  for (const edge of edges) {
    for (const end of [edge.source, edge.target]) degree.set(end, (degree.get(end) || 0) + 1);
  }
  const radius = (node) => 5 + Math.min(10, 2 * Math.sqrt(degree.get(node.id) || 0));
  // Labels run to the right of their node: keep nodes apart sideways more than up and down, and
  // pull harder vertically, so the layout fills a wide box.
  // A hub's spokes are longer, so the labels around it have room.
  const spoke = (edge) => 70 + 7 * Math.min(24, Math.max(degree.get(edge.source.id) || 0,
    degree.get(edge.target.id) || 0));
  const simulation = forceSimulation(nodes)
    .force("link", forceLink(edges).id((node) => node.id).distance(spoke))
    .force("charge", forceManyBody().strength(-420))
    .force("collide", forceCollide((node) => radius(node) + 14))
    .force("x", forceX(0).strength(0.03))
    .force("y", forceY(0).strength(0.05))
    .force("center", forceCenter(0, 0))
    .stop();
  for (let tick = 0; tick < TICKS; tick += 1) simulation.tick();

  const groups = [...new Set(nodes.map((node) => node.group || ""))];
  const colour = scaleOrdinal(groups, schemeTableau10);
  const picture = svg("svg", {
    class: "network", role: "img",
    "aria-label": `network of ${nodes.length} nodes and ${edges.length} links`,
  });
  const layer = svg("g");
  picture.append(layer);
  for (const edge of edges) {
    const line = svg("line", {
      class: "edge", x1: edge.source.x, y1: edge.source.y, x2: edge.target.x, y2: edge.target.y,
    });
    if (edge.label) line.append(svg("title", {}, edge.label));
    layer.append(line);
  }
  for (const node of nodes) {
    const mark = svg("g", { class: "node", transform: `translate(${node.x},${node.y})` });
    mark.append(
      svg("circle", { r: radius(node), fill: colour(node.group || "") }),
      svg("text", { x: radius(node) + 3, y: 4 }, clip(node.label)),
      svg("title", {}, node.group ? `${node.label} (${node.group})` : node.label),
    );
    layer.append(linked(mark, node.href, { inSvg: true }));
  }
  fit(picture, layer, nodes, width);
  container.append(picture, legend(groups, colour));
  return nodes.length;
}

function clip(text) {
  return text.length > 40 ? text.slice(0, 38) + "…" : text;
}

function fit(picture, layer, nodes, width) {
  // Scale the rested layout to the box's width (room on the right for the last labels), make
  // the box as high as the drawing needs, then let the visitor zoom and pan.
  const xs = nodes.length ? nodes.map((node) => node.x) : [0];
  const ys = nodes.length ? nodes.map((node) => node.y) : [0];
  const wide = Math.max(1, Math.max(...xs) - Math.min(...xs));
  const high = Math.max(1, Math.max(...ys) - Math.min(...ys));
  const scale = Math.min(1.1, (0.74 * width) / wide, 640 / high);
  const height = Math.max(220, high * scale + 60);
  picture.setAttribute("viewBox", `${-width / 2} ${-height / 2} ${width} ${height}`);
  const cx = (Math.max(...xs) + Math.min(...xs)) / 2 + (0.1 * width) / scale;
  const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
  const start = `translate(${-cx * scale},${-cy * scale}) scale(${scale})`;
  layer.setAttribute("transform", start);
  const behaviour = zoom().scaleExtent([0.2, 8]).on("zoom", (event) => {
    layer.setAttribute("transform", `${event.transform} ${start}`);
  });
  select(picture).call(behaviour);
}

function legend(groups, colour) {
  const list = html("ul", { class: "legend" });
  for (const group of groups.filter(Boolean)) {
    const swatch = html("span", { class: "swatch" });
    swatch.style.background = colour(group);
    const item = html("li");
    item.append(swatch, document.createTextNode(group));
    list.append(item);
  }
  return list;
}
