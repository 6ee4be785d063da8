import { basename } from "node:path";
import { Elysia } from "elysia";
import page from "../portal/index.html";
import { contrast, logoOf, rgbOf, type PortalConfig } from "../config/portal.ts";
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

/** The dark palette (portal.css holds the light one); its link colour is the brand colour lightened to read on it. */
const dark = (link: string) =>
  `:root{color-scheme:dark;--text:#e4e9ef;--muted:#a7b3c0;--line:#3b4754;--bg:#11161c;--surface:#1b232c;--ok:#6fd394;--bad:#ff9b8f;--warn:#f2bb66;` +
  `--danger:#b42318;--field-line:#8895a3;--tag-bg:#2a3541;--error-bg:#33201f;--secret-bg:#1d2740;--ok-bg:#17301f;--code-bg:#151b22;--accent-text:${link}}`;
const DARK_SURFACE = "#1b232c";

/** The brand colour mixed with white until it reads at WCAG AA (4.5:1, kept a little above) on the dark surface. */
export function darkLink(color: string): string {
  const rgb = rgbOf(color);
  for (let t = 0; ; t += 0.05) {
    const mixed = `#${rgb.map((c) => Math.round(c + (255 - c) * Math.min(t, 1)).toString(16).padStart(2, "0")).join("")}`;
    if (t >= 1 || contrast(mixed, DARK_SURFACE) >= 4.7) return mixed;
  }
}

/** What `portal:` sets, as the responses carry it. */
interface Look { title: string; locales: string; theme: string; csp: string; framing: Record<string, string>; logo: { type: string; bytes: Uint8Array; version: string } | null }

function lookOf(config: PortalConfig): Look {
  const { name, color, logo } = config.brand;
  const image = logo ? logoOf(logo) : null;
  const version = image && typeof image !== "string" ? new Bun.CryptoHasher("sha256").update(image.bytes).digest("hex").slice(0, 16) : "";
  // The logo sits before the name as a background: decorative, the name beside it is the text.
  const mark = version ? `.brand::before{content:"";display:inline-block;width:1.75em;height:1.75em;margin-right:.5rem;vertical-align:middle;background:url(/portal/brand-logo?v=${version}) center/contain no-repeat}\n` : "";
  const palette = config.theme === "dark" ? `${dark(darkLink(color))}\n` : config.theme === "auto" ? `@media (prefers-color-scheme: dark){${dark(darkLink(color))}}\n` : "";
  return {
    title: `<title>${escapeHtml(name)}</title>`,
    // The languages offered, read by the page from its root element (no inline script under the CSP).
    locales: `<html lang="${config.locales[0]}" data-locales="${config.locales.join(" ")}">`,
    // The colour passed the config's hex check: nothing else can reach this stylesheet.
    theme: `:root{--accent:${color}}\n${palette}${mark}`,
    csp: portalCsp(config),
    // Browsers without CSP level 2 still refuse every frame when nobody may frame the page.
    framing: config.frameAncestors[0] === "'none'" ? { "x-frame-options": "DENY" } : {},
    logo: version && image && typeof image !== "string" ? { ...image, version } : null,
  };
}

/** The logo's own answer: an svg opened on its own runs no script and loads nothing. */
const LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'";

/** `/portal`: the Webhooks settings page (DESIGN section 10), a client of /api/v1 only; `reload` applies a new `portal:`. */
export function portal(config: PortalConfig) {
  let look = lookOf(config);
  let loaded: Promise<Bundle> | null = null;
  const files = () => (loaded ??= load().catch((e) => { loaded = null; throw e; }));
  const headers = (type: string, cache: string) => ({ "content-type": type, "cache-control": cache, "content-security-policy": look.csp, ...look.framing });
  const index = async () => new Response((await files()).html.replace(/<title>[^<]*<\/title>/, () => look.title).replace(/<html[^>]*>/, () => look.locales), { headers: headers("text/html; charset=utf-8", "no-store") });
  const routes = new Elysia({ name: "hookgate/portal" })
    .get("/portal", index, { detail: { hide: true } })
    .get("/portal/", index, { detail: { hide: true } })
    .get("/portal/theme.css", () => new Response(look.theme, { headers: headers("text/css; charset=utf-8", "no-cache") }), { detail: { hide: true } })
    .get("/portal/brand-logo", ({ query }) => {
      const logo = look.logo;
      if (!logo) return problem(404, "this portal has no logo (portal.brand.logo)");
      // The theme asks for ?v=<hash of the image>: that URL never changes its answer; any other is checked each time.
      const cache = query.v === logo.version ? "public, max-age=31536000, immutable" : "no-cache";
      return new Response(logo.bytes, { headers: { "content-type": logo.type, "cache-control": cache, "content-security-policy": LOGO_CSP, etag: `"${logo.version}"` } });
    }, { detail: { hide: true } })
    .get("/portal/assets/:file", async ({ params, request }) => {
      const asset = (await files()).assets.get(params.file);
      if (!asset) return problem(404, `no portal asset "${params.file.slice(0, 100)}"`);
      return asset.body.response(request, headers(asset.type, "public, max-age=31536000, immutable"));
    }, { detail: { hide: true } });
  return { routes, reload(next: PortalConfig) { look = lookOf(next); } };
}
