// Bar and line charts and a timeline, drawn with d3-scale, d3-axis and d3-shape into SVG.

import { axisBottom, axisLeft } from "d3-axis";
import { format } from "d3-format";
import { scaleBand, scaleLinear, scaleLog, scaleUtc } from "d3-scale";
import { select } from "d3-selection";
import { line } from "d3-shape";
import { linked, svg } from "../links.js";

const MARGIN = { top: 16, right: 90, bottom: 40, left: 260 };
const SHORT = format("~s");

function frame(width, height, label) {
  const picture = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": label });
  const plot = svg("g", { transform: `translate(${MARGIN.left},${MARGIN.top})` });
  picture.append(plot);
  return [picture, plot];
}

function clip(text, length = 42) {
  return text.length > length ? text.slice(0, length - 1) + "…" : text;
}

/** Horizontal bars: [{label, value, href?}]; returns the number of bars. Values that span three
 * orders of magnitude or more (and are all positive) are drawn on a log scale, and say so. */
export function drawBars(container, items, { width = 900 } = {}) {
  const height = MARGIN.top + MARGIN.bottom + 26 * items.length;
  const [picture, plot] = frame(width, height, `bar chart of ${items.length} values`);
  const inner = width - MARGIN.left - MARGIN.right;
  const values = items.map((item) => item.value);
  const low = Math.min(...values);
  const high = Math.max(0, ...values);
  const logarithmic = low > 0 && high / low >= 1000;
  const x = logarithmic
    ? scaleLog([low / 2, high], [0, inner]).nice()
    : scaleLinear([0, high], [0, inner]).nice();
  const y = scaleBand(items.map((_, index) => index), [0, 26 * items.length]).padding(0.2);
  items.forEach((item, index) => {
    const bar = svg("rect", { class: "bar mark", x: 0, y: y(index), height: y.bandwidth(),
      width: Math.max(1, x(item.value)) });
    bar.append(svg("title", {}, `${item.label}: ${item.value}`));
    plot.append(linked(bar, item.href, { inSvg: true }));
    const middle = y(index) + y.bandwidth() / 2 + 4;
    plot.append(
      svg("text", { class: "tick-label", x: -6, y: middle, "text-anchor": "end" }, clip(item.label)),
      svg("text", { class: "value-label", x: Math.max(1, x(item.value)) + 4, y: middle },
        SHORT(item.value)),
    );
  });
  const axis = svg("g", { transform: `translate(0,${26 * items.length})` });
  plot.append(axis);
  select(axis).call(axisBottom(x).ticks(logarithmic ? 5 : 6, "~s"));
  if (logarithmic) {
    plot.append(svg("text", { class: "tick-label", x: inner, y: 26 * items.length + 32,
      "text-anchor": "end" }, "log scale"));
  }
  container.append(picture);
  return items.length;
}

/** A line through [{x: number | Date, y: number, label}] in x order; returns the points. */
export function drawLine(container, points, { width = 900, height = 420 } = {}) {
  const sorted = [...points].sort((a, b) => a.x - b.x);
  const [picture, plot] = frame(width, height, `line chart of ${points.length} points`);
  plot.setAttribute("transform", `translate(60,${MARGIN.top})`);
  const inner = [width - 60 - MARGIN.right, height - MARGIN.top - MARGIN.bottom];
  const dates = sorted.length && sorted[0].x instanceof Date;
  const xs = sorted.map((point) => point.x);
  const x = (dates ? scaleUtc : scaleLinear)([xs[0], xs[xs.length - 1]], [0, inner[0]]);
  const y = scaleLinear([0, Math.max(0, ...sorted.map((point) => point.y))], [inner[1], 0]).nice();
  plot.append(svg("path", { class: "line", d: line((p) => x(p.x), (p) => y(p.y))(sorted) }));
  for (const point of sorted) {
    const dot = svg("circle", { class: "point mark", cx: x(point.x), cy: y(point.y), r: 4 });
    dot.append(svg("title", {}, `${point.label}: ${point.y}`));
    plot.append(dot);
  }
  const bottom = svg("g", { transform: `translate(0,${inner[1]})` });
  const left = svg("g");
  plot.append(bottom, left);
  const whole = !dates && xs.every(Number.isInteger);  // years, counts: no "2,019.5"
  const xAxis = axisBottom(x);
  if (whole) {
    const ticks = x.ticks(6).filter(Number.isInteger);
    xAxis.tickValues(xs.length <= 12 ? [...new Set(xs)] : ticks).tickFormat(format("d"));
  } else {
    xAxis.ticks(6);
  }
  select(bottom).call(xAxis);
  select(left).call(axisLeft(y).ticks(6, "~s"));
  container.append(picture);
  return sorted.length;
}

/** Events in time: [{start: Date, end?: Date, label, href?, when?}] (``when``: the dates as the
 * data gives them); returns the number of marks. */
export function drawTimeline(container, events, { width = 900 } = {}) {
  const sorted = [...events].sort((a, b) => a.start - b.start);
  const height = MARGIN.top + MARGIN.bottom + 26 * sorted.length;
  const [picture, plot] = frame(width, height, `timeline of ${sorted.length} events`);
  const inner = width - MARGIN.left - MARGIN.right;
  const times = sorted.flatMap((event) => [event.start, event.end || event.start]);
  const first = new Date(Math.min(...times));
  const last = new Date(Math.max(...times));
  if (first.getTime() === last.getTime()) last.setUTCFullYear(last.getUTCFullYear() + 1);
  const x = scaleUtc([first, last], [0, inner]).nice();
  sorted.forEach((event, index) => {
    const y = 26 * index + 13;
    const mark = event.end && event.end > event.start
      ? svg("rect", { class: "span mark", x: x(event.start), y: y - 7, height: 14,
          width: Math.max(3, x(event.end) - x(event.start)) })
      : svg("circle", { class: "moment mark", cx: x(event.start), cy: y, r: 6 });
    const when = event.when || (event.end ? `${iso(event.start)} to ${iso(event.end)}` : iso(event.start));
    mark.append(svg("title", {}, `${event.label}: ${when}`));
    plot.append(linked(mark, event.href, { inSvg: true }));
    plot.append(svg("text", { class: "tick-label", x: -6, y: y + 4, "text-anchor": "end" },
      clip(event.label)));
  });
  const axis = svg("g", { transform: `translate(0,${26 * sorted.length})` });
  plot.append(axis);
  select(axis).call(axisBottom(x).ticks(6));
  container.append(picture);
  return sorted.length;
}

function iso(date) {
  return date.toISOString().slice(0, 10);
}
