import { Elysia } from "elysia";
import css from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import bundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import favicon from "swagger-ui-dist/favicon-32x32.png" with { type: "file" };
import theme from "./docs-theme.css" with { type: "file" };
import { assetOf, CompressedAsset } from "./compression.ts";
import { buildOpenApi } from "./openapi.ts";
import { problem } from "./problem.ts";

/** Swagger UI's files, embedded in the binary by Bun (`type: "file"`), served from /docs/assets. */
const ASSETS: Record<string, { path: string; type: string }> = {
  "swagger-ui.css": { path: css, type: "text/css; charset=utf-8" },
  "swagger-ui-bundle.js": { path: bundle, type: "text/javascript; charset=utf-8" },
  "favicon-32x32.png": { path: favicon, type: "image/png" },
  /** Swagger UI's colours with enough contrast (axe-core's colour-contrast rule): after its own stylesheet. */
  "theme.css": { path: theme, type: "text/css; charset=utf-8" },
  "init.js": { path: "", type: "text/javascript; charset=utf-8" },
};

// No validator (it would call validator.swagger.io), and the spec from this server only.
const INIT = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/docs/json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    displayRequestDuration: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
};
`;

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>hookgate admin API</title>
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="stylesheet" href="/docs/assets/theme.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>
`;

/** Each asset compressed once, on its first request (compression.ts). */
const COMPRESSED: Record<string, CompressedAsset> = Object.fromEntries(Object.entries(ASSETS).map(([name, a]) =>
  [name, a.path ? assetOf(a.path) : new CompressedAsset(async () => new TextEncoder().encode(INIT))]));

/** The browser may load and call only this server: a second line of defence if an asset ever names another host. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** `/docs` (Swagger UI, offline) and `/docs/json` (the OpenAPI document built from the routes). */
export function docs() {
  const app = new Elysia({ name: "hookgate/docs" });
  let cached: { routes: number; doc: unknown } | null = null;
  return app
    .get("/docs", () => new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": CSP } }), { detail: { hide: true } })
    .get("/docs/assets/:file", ({ params, request }) => {
      // Own properties only: "constructor" or "__proto__" must not find Object.prototype's members.
      const asset = Object.hasOwn(ASSETS, params.file) ? ASSETS[params.file] : undefined;
      if (!asset) return problem(404, `no docs asset "${params.file.slice(0, 100)}"`);
      return COMPRESSED[params.file]!.response(request, { "content-type": asset.type, "cache-control": "public, max-age=3600" });
    }, { detail: { hide: true } })
    .get("/docs/json", () => {
      // Routes are only added while the app is built; recompute if that ever changes.
      const count = app.routes.length;
      if (!cached || cached.routes !== count) cached = { routes: count, doc: buildOpenApi(app) };
      return cached.doc;
    }, { detail: { hide: true } });
}
