import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { resolveConfig } from "../../src/config/load.ts";
import { builtinPlugins } from "../../plugins/index.ts";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";

/**
 * The portal's config key and headers, with hookgate run from source (no browser): here Bun.build bundles the
 * page on the first request, where the compiled binary has it bundled ahead of time (portal.test.ts).
 */
async function problemsOf(portal: unknown) {
  const result = await resolveConfig({ ...baseConfig(), portal }, join(tmpdir(), "webhooks.config.ts"), builtinPlugins);
  return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe("portal config", () => {
  test.each([
    [{ accentColor: "red; } body { display: none" }, 'portal.accentColor: must be a hex colour like "#1d4ed8"'],
    [{ accentColor: "#12345" }, 'portal.accentColor: must be a hex colour like "#1d4ed8"'],
    [{ title: "" }, "portal.title: must not be empty"],
    [{ frameAncestors: ["https://app.example.com; script-src *"] }, "portal.frameAncestors[0]: must be 'self', 'none' or an origin"],
    [{ frameAncestors: ["https://app.example.com/settings"] }, "portal.frameAncestors[0]: must be 'self', 'none' or an origin"],
    [{ frameAncestors: ["'none'", "'self'"] }, "portal.frameAncestors: 'none' must stand alone"],
    [{ frameAncestors: [] }, "portal.frameAncestors: must list at least one source"],
    [{ colour: "#fff" }, "portal.colour: unknown key"],
  ])("%j is refused, naming the path", async (portal, problem) => {
    const problems = await problemsOf(portal);
    expect(problems.join("\n")).toContain(problem);
  });

  test("a valid portal block loads", async () => {
    expect(await problemsOf({ title: "Acme — Webhooks", accentColor: "#0b5cad", frameAncestors: ["'self'", "https://*.acme.example", "http://localhost:3000"] })).toEqual([]);
  });
});

describe("/portal from source", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(baseConfig({ portal: { title: `<script>alert(1)</script> & Co`, accentColor: "#0b5cad", frameAncestors: ["https://app.acme.example"] } }));
  });
  afterAll(() => app?.close());

  test("the page, its assets under /portal/assets/, the theme, and their headers", async () => {
    const page = await fetch(`${app.url}/portal`);
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toStartWith("default-src 'self';");
    expect(csp).toEndWith("frame-ancestors https://app.acme.example");
    expect(csp).not.toContain("unsafe");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await page.text();
    expect(html).toContain("<title>&#60;script&#62;alert(1)&#60;/script&#62; &#38; Co</title>");
    const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.filter((a) => !a.startsWith("/portal/"))).toEqual([]);
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    for (const asset of assets) {
      const file = await fetch(`${app.url}${asset}`);
      expect(file.status).toBe(200);
      expect(file.headers.get("content-security-policy")).toBe(csp);
    }
    expect(await (await fetch(`${app.url}/portal/theme.css`)).text()).toBe(":root{--accent:#0b5cad}\n");
    const missing = await fetch(`${app.url}/portal/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
  }, 30_000);
});
