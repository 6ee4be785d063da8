import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { resolveConfig } from "../../src/config/load.ts";
import { contrast } from "../../src/config/portal.ts";
import { darkLink } from "../../src/http/portal.ts";
import { builtinPlugins } from "../../plugins/index.ts";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";

/**
 * The portal's config key and headers, with hookgate run from source (no browser): here Bun.build bundles the
 * page on the first request, where the compiled binary has it bundled ahead of time (portal.test.ts).
 */
const DIR = mkdtempSync(join(tmpdir(), "hookgate-portal-config-"));
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
writeFileSync(join(DIR, "logo.png"), PNG);
writeFileSync(join(DIR, "fake.png"), "<html>not a png</html>");
writeFileSync(join(DIR, "big.svg"), `<svg xmlns="http://www.w3.org/2000/svg">${" ".repeat(110 * 1024)}</svg>`);
writeFileSync(join(DIR, "logo.gif"), "GIF89a");

async function resolved(portal: unknown) {
  return resolveConfig({ ...baseConfig(), portal }, join(DIR, "webhooks.config.ts"), builtinPlugins);
}
async function problemsOf(portal: unknown) {
  const result = await resolved(portal);
  return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe("portal config", () => {
  test.each([
    [{ brand: { color: "red; } body { display: none" } }, 'portal.brand.color: must be a hex colour like "#1d4ed8"'],
    [{ brand: { color: "#12345" } }, 'portal.brand.color: must be a hex colour like "#1d4ed8"'],
    [{ brand: { color: "#ffcc00" } }, "portal.brand.color: white text on it and it as link text on the page read at 1.41:1"],
    [{ brand: { color: "#3b82f6" } }, "WCAG AA needs 4.5:1: pick a darker shade"],
    [{ brand: { name: "" } }, "portal.brand.name: must not be empty"],
    [{ brand: { logo: "./missing.svg" } }, `portal.brand.logo: ${join(DIR, "missing.svg")} does not exist: put the logo there or fix the path`],
    [{ brand: { logo: "./logo.gif" } }, "portal.brand.logo: " + join(DIR, "logo.gif") + " must be a .png, .svg, .jpg, .jpeg or .webp file"],
    [{ brand: { logo: "./fake.png" } }, "fake.png: its content is not a image/png image"],
    [{ brand: { logo: "./big.svg" } }, "big.svg: is 111 KB, at most 100 KB: shrink it"],
    [{ brand: { logo: "data:image/gif;base64,R0lGODlh" } }, "portal.brand.logo: a data URL must read data:image/<png|svg+xml|jpeg|webp>;base64,<data>"],
    [{ brand: { logo: "https://cdn.example.com/logo.png" } }, "portal.brand.logo: must be a file (a path, relative to the config's folder) or a data: URL: the portal loads nothing from other hosts"],
    [{ theme: "blue" }, 'portal.theme: must be "light", "dark" or "auto"'],
    [{ accentColor: "#ffcc00" }, "portal.accentColor: white text on it and it as link text on the page read at 1.41:1"],
    [{ frameAncestors: ["https://app.example.com; script-src *"] }, "portal.frameAncestors[0]: must be 'self', 'none' or an origin"],
    [{ frameAncestors: ["https://app.example.com/settings"] }, "portal.frameAncestors[0]: must be 'self', 'none' or an origin"],
    [{ frameAncestors: ["'none'", "'self'"] }, "portal.frameAncestors: 'none' must stand alone"],
    [{ frameAncestors: [] }, "portal.frameAncestors: must list at least one source"],
    [{ colour: "#fff" }, "portal.colour: unknown key"],
    [{ locales: ["en", "fr"] }, 'portal.locales[1]: must be "en" or "de" (the languages the portal ships)'],
    [{ locales: [] }, "portal.locales: must list at least one language"],
    [{ locales: ["de", "de"] }, "portal.locales: must not list a language twice"],
  ])("%j is refused, naming the path", async (portal, problem) => {
    const problems = await problemsOf(portal);
    expect(problems.join("\n")).toContain(problem);
  });

  test("a valid portal block loads; a logo file becomes a data URL, read at load", async () => {
    const portal = { brand: { name: "Acme — Webhooks", color: "#0b5cad", logo: "./logo.png" }, theme: "auto", frameAncestors: ["'self'", "https://*.acme.example", "http://localhost:3000"] };
    const result = await resolved(portal);
    expect(result.ok ? [] : result.problems).toEqual([]);
    if (result.ok) expect(result.loaded.config.portal.brand.logo).toBe(`data:image/png;base64,${PNG.toString("base64")}`);
    expect(await problemsOf({ brand: { logo: `data:image/png;base64,${PNG.toString("base64")}` } })).toEqual([]);
  });

  test("the keys before brand (title, accentColor) still load, as brand.name and brand.color; brand's own win", async () => {
    const older = await resolved({ title: "Acme", accentColor: "#0b5cad" });
    expect(older.ok && older.loaded.config.portal.brand).toEqual({ name: "Acme", color: "#0b5cad" });
    const both = await resolved({ title: "Old", accentColor: "#0b5cad", brand: { name: "New", color: "#1d4ed8" } });
    expect(both.ok && both.loaded.config.portal.brand).toEqual({ name: "New", color: "#1d4ed8" });
    const none = await resolved(undefined);
    expect(none.ok && none.loaded.config.portal).toEqual({ brand: { name: "Webhooks", color: "#1d4ed8" }, theme: "light", frameAncestors: ["'none'"], locales: ["en", "de"] });
  });
});

test("the dark theme's link colour reads at WCAG AA on its surface for every brand colour the check lets through", () => {
  for (const color of ["#000000", "#0b5cad", "#1d4ed8", "#b42318", "#146c2e", "#6d28d9", "#222", "#595959"]) {
    expect(contrast(color, "#ffffff")).toBeGreaterThanOrEqual(4.5);
    expect(contrast(darkLink(color), "#1b232c")).toBeGreaterThanOrEqual(4.5);
    expect(contrast(darkLink(color), "#11161c")).toBeGreaterThanOrEqual(4.5);
  }
});

describe("/portal from source", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(baseConfig({ portal: { brand: { name: `<script>alert(1)</script> & Co`, color: "#0b5cad", logo: `data:image/png;base64,${PNG.toString("base64")}` }, frameAncestors: ["https://app.acme.example", "http://127.0.0.1:8080"] } }));
  });
  afterAll(() => app?.close());

  test("the page, its assets under /portal/assets/, the theme, and their headers", async () => {
    const page = await fetch(`${app.url}/portal`);
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toStartWith("default-src 'self';");
    expect(csp).toEndWith("frame-ancestors https://app.acme.example http://127.0.0.1:8080");
    expect(csp).toContain("img-src 'self' data:;");
    // Listed origins may frame it: no X-Frame-Options to overrule the CSP.
    expect(page.headers.get("x-frame-options")).toBeNull();
    expect(csp).not.toContain("unsafe");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await page.text();
    expect(html).toContain("<title>&#60;script&#62;alert(1)&#60;/script&#62; &#38; Co</title>");
    expect(html).toContain(`<html lang="en" data-locales="en de">`);
    const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.filter((a) => !a.startsWith("/portal/"))).toEqual([]);
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    for (const asset of assets) {
      const file = await fetch(`${app.url}${asset}`);
      expect(file.status).toBe(200);
      expect(file.headers.get("content-security-policy")).toBe(csp);
    }
    const theme = await (await fetch(`${app.url}/portal/theme.css`)).text();
    expect(theme).toStartWith(":root{--accent:#0b5cad}\n.brand::before{");
    expect(theme).not.toContain("color-scheme:dark");
    const logoUrl = /url\((\/portal\/brand-logo\?v=[0-9a-f]{16})\)/.exec(theme)![1]!;
    const logo = await fetch(`${app.url}${logoUrl}`);
    expect(logo.headers.get("content-type")).toBe("image/png");
    expect(logo.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(logo.headers.get("content-security-policy")).toContain("sandbox");
    expect(Buffer.from(await logo.arrayBuffer())).toEqual(PNG);
    expect((await fetch(`${app.url}/portal/brand-logo`)).headers.get("cache-control")).toBe("no-cache");
    const missing = await fetch(`${app.url}/portal/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
  }, 30_000);
});

describe("/portal with the defaults", () => {
  let app: TestApp;
  beforeAll(async () => { app = await startTestApp(baseConfig()); });
  afterAll(() => app?.close());

  test("no frame at all (CSP and X-Frame-Options), no logo, the light theme", async () => {
    const page = await fetch(`${app.url}/portal`);
    expect(page.headers.get("content-security-policy")).toEndWith("frame-ancestors 'none'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(await page.text()).toContain("<title>Webhooks</title>");
    expect(await (await fetch(`${app.url}/portal/theme.css`)).text()).toBe(":root{--accent:#1d4ed8}\n");
    const logo = await fetch(`${app.url}/portal/brand-logo`);
    expect(logo.status).toBe(404);
    expect(logo.headers.get("content-type")).toContain("application/problem+json");
  }, 30_000);
});
