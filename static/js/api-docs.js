// The open-data API's documentation page: Swagger UI (vendored) on /api/v1/openapi.json.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    defaultModelsExpandDepth: 0,
    validatorUrl: null, // no request leaves the site
  });
})();
