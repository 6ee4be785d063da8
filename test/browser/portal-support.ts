import { tmpdir } from "node:os";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "bun:test";
import type { BrowserContext, Page } from "playwright-core";
import { ROOT } from "../support/binary.ts";

const AXE = await Bun.file(join(ROOT, "node_modules/axe-core/axe.min.js")).text();
/** The committed screenshots are rewritten with PORTAL_SCREENSHOTS=1; other runs take them too, into a temp folder. */
const SHOTS = process.env.PORTAL_SCREENSHOTS ? join(ROOT, "docs/portal") : join(tmpdir(), "hookgate-portal-shots");

/** Every request URL, console error and page error of a page, and whether a dialog (alert) ever opened. */
export interface Watched { page: Page; requests: string[]; problems: string[]; dialogs: string[]; failed: string[] }

export async function watchedPage(context: BrowserContext): Promise<Watched> {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 860 });
  const watched: Watched = { page, requests: [], problems: [], dialogs: [], failed: [] };
  page.on("request", (r) => watched.requests.push(r.url()));
  page.on("response", (r) => { if (r.status() >= 400) watched.failed.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`); });
  page.on("pageerror", (e) => watched.problems.push(`page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") watched.problems.push(`console: ${m.text()}`); });
  page.on("dialog", (d) => { watched.dialogs.push(d.message()); void d.dismiss(); });
  return watched;
}

/** axe-core on the page as it is: the serious and critical violations (none expected). Evaluated, so the page's CSP does not apply. */
export const audit = (page: Page): Promise<string[]> => axeViolations(page);

/** Every serious or critical axe-core violation, as `rule (impact): help at targets`. */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    // Runs in the page: its globals, typed here by hand (the tests compile without the DOM library).
    const page = globalThis as unknown as { document: unknown; axe: { run(ctx: unknown, o: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } };
    const result = await page.axe.run(page.document, { resultTypes: ["violations"] });
    return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

/** docs/portal/<name>.png: the whole page, or the window only (a modal dialog over a long page). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

/** The admin API as the test's own client (setup, not what is under test). */
export function adminApi(base: string, token: string) {
  return async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  };
}

/** Requests the page made: all to the gateway, and none carrying the token in its URL. */
export function offHost(requests: string[], origin: string): string[] {
  return requests.map((u) => new URL(u)).filter((u) => u.protocol !== "data:" && u.protocol !== "blob:" && u.origin !== origin).map((u) => u.href);
}

/** Nothing off the gateway and nothing but /portal and /api/v1 on it, no token in any URL, no console error, no alert. */
export function expectClean(w: Watched, origin: string, token: string, allow?: RegExp): void {
  expect(offHost(w.requests, origin)).toEqual([]);
  expect(w.requests.map((u) => new URL(u)).filter((u) => u.protocol.startsWith("http") && !/^\/(portal|api\/v1\/)/.test(u.pathname)).map((u) => u.pathname)).toEqual([]);
  expect(w.requests.filter((u) => u.includes(token))).toEqual([]);
  expect(w.problems.filter((p) => !allow?.test(p)).map((p) => `${p} (failed answers: ${w.failed.join(", ")})`)).toEqual([]);
  expect(w.dialogs).toEqual([]);
}

/** The gateway of portal.test.ts: loopback receivers allowed, a catalog with a schema, the portal themed. */
export function portalConfig(adminToken: string): string {
  return `import { defineConfig, v } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: "${adminToken}" }] },
  portal: { brand: { name: "Acme Cloud — Webhooks", color: "#0b5cad" } },
  events: {
    "order.created": { description: "A customer placed an order", schema: v.object({ orderId: v.string(), total: v.number() }) },
    "order.refunded": { description: "An order was refunded in full or in part" },
  },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], schedule: ["1h"] },
  // The portal's endpoints are a tenant's: loopback receivers must be opened for tenants too.
  tenants: { allowNetworks: ["127.0.0.0/8"] },
});
`;
}
