// The pictures of the home and resource pages: a network and a map, each drawn from the JSON the
// server put in the page (a <script type="application/json">, which never runs).

import { drawMap } from "./views/map.js";
import { drawNetwork } from "./views/network.js";

function data(element) {
  return JSON.parse(document.getElementById(element.dataset.source).textContent);
}

for (const element of document.querySelectorAll("[data-network]")) {
  element.dataset.marks = String(drawNetwork(element, data(element)));
}
for (const element of document.querySelectorAll("[data-map]")) {
  drawMap(element, data(element)).then((marks) => {
    element.dataset.marks = String(marks);
  });
}
