// Swagger UI for /docs, from the bundled swagger-ui-dist (loaded by the page before this file),
// reading this server's own /openapi.json: nothing from a CDN.
"use strict";

const { SwaggerUIBundle } = window;
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
