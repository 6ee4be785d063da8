import { basename } from "node:path";
import { Elysia } from "elysia";
import page from "../portal/index.html";
import type { PortalConfig } from "../config/portal.ts";
import { assetOf, type CompressedAsset } from "./compression.ts";
import { problem } from "./problem.ts";

interface Asset { body: CompressedAsset; type: string }
interface Bundle { html: string; assets: Map<string, Asset> }

/**
 * The portal's files. In the compiled binary Bun has bundled index.html (TSX, CSS) ahead of time and lists
 * the outputs in `page.files`; run from source, Bun.build bundles it on the first request.
 */
async function bundle(): Promise<{ html: string; files: { name: string; body: Blob; type: string }[] }> {
  const files = page.files?.filter((f) => f.loader !== "html") ?? [];
  const index = page.files?.find((f) => f.loader === "html");
  if (index) return { html: await Bun.file(index.path).text(), files: files.map((f) => ({ name: basename(f.path), body: Bun.file(f.path), type: f.headers["content-type"] })) };
  const built = await Bun.build({ entrypoints: [page.index], minify: true, target: "browser" });
  if (!built.success) throw new Error(`the portal does not bundle: ${built.logs.join("\n")}`);
  const html = built.outputs.find((o) => o.path.endsWith(".html"));
  if (!html) throw new Error("the portal bundle has no HTML");
  return { html: await html.text(), files: built.outputs.filter((o) => o !== html).map((o) => ({ name: basename(o.path), body: o, type: o.type })) };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Bun writes asset references at the root ("/chunk-x.js"): the portal keeps its files under /portal/assets/. */
async function load(): Promise<Bundle> {
  const { html, files } = await bundle();
  const assets = new Map(files.map((f) => [f.name, { body: assetOf(f.body), type: f.type }]));
  const page = html
    .replace(/((?:src|href)=")\.?\/([^"/]+)"/g, (whole, attr: string, name: string) => (assets.has(name) ? `${attr}/portal/assets/${name}"` : whole))
    // No icon file: without this link the browser asks for /favicon.ico and logs the 404.
    .replace("</head>", `<link rel="stylesheet" href="/portal/theme.css"><link rel="icon" href="data:,"></head>`);
  return { html: page, assets };
}

/** The page may load and call this server only; no inline script or style anywhere. */
export function portalCsp(config: PortalConfig): string {
  return `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors ${config.frameAncestors.join(" ")}`;
}

/** What `portal:` sets, as the responses carry it. */
interface Look { title: string; theme: string; csp: string }

function lookOf(config: PortalConfig): Look {
  // The colour passed the config's hex check: nothing else can reach this stylesheet.
  return { title: `<title>${escapeHtml(config.title)}</title>`, theme: `:root{--accent:${config.accentColor}}\n`, csp: portalCsp(config) };
}

/** `/portal`: the Webhooks settings page (DESIGN section 10), a client of /api/v1 only; `reload` applies a new `portal:`. */
export function portal(config: PortalConfig) {
  let look = lookOf(config);
  let loaded: Promise<Bundle> | null = null;
  const files = () => (loaded ??= load().catch((e) => { loaded = null; throw e; }));
  const headers = (type: string, cache: string) => ({ "content-type": type, "cache-control": cache, "content-security-policy": look.csp });
  const index = async () => new Response((await files()).html.replace(/<title>[^<]*<\/title>/, () => look.title), { headers: headers("text/html; charset=utf-8", "no-store") });
  const routes = new Elysia({ name: "hookgate/portal" })
    .get("/portal", index, { detail: { hide: true } })
    .get("/portal/", index, { detail: { hide: true } })
    .get("/portal/theme.css", () => new Response(look.theme, { headers: headers("text/css; charset=utf-8", "no-cache") }), { detail: { hide: true } })
    .get("/portal/assets/:file", async ({ params, request }) => {
      const asset = (await files()).assets.get(params.file);
      if (!asset) return problem(404, `no portal asset "${params.file.slice(0, 100)}"`);
      return asset.body.response(request, headers(asset.type, "public, max-age=31536000, immutable"));
    }, { detail: { hide: true } });
  return { routes, reload(next: PortalConfig) { look = lookOf(next); } };
}
