import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinPlugins } from "../../plugins/index.ts";
import { startApp, type App } from "../../src/app.ts";
import { resolveConfig, type LoadedConfig } from "../../src/config/load.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import { createLogger } from "../../src/log.ts";
import { adminClient } from "../http/support.ts";
import { baseConfig } from "../support/app.ts";

setDefaultTimeout(30_000);

let app: App | null = null;
let dir = "";
afterEach(async () => { await app?.stop(); app = null; rmSync(dir, { recursive: true, force: true }); });

/** Every object of the value frozen: a write into it throws (ES modules are strict). */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

async function load(input: ConfigInput, frozen = false): Promise<LoadedConfig> {
  const result = await resolveConfig({ ...input, store: { sqlite: join(dir, "hookgate.db") } }, join(dir, "webhooks.config.ts"), builtinPlugins);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join("; "));
  // The running config is read, never written: a reload builds from the next one.
  if (frozen) deepFreeze(result.loaded.config);
  return result.loaded;
}

async function start(input: ConfigInput, frozen = false): Promise<App> {
  dir = mkdtempSync(join(tmpdir(), "hookgate-app-reload-"));
  app = await startApp(await load(input, frozen), { log: createLogger({}, () => {}) });
  return app;
}

const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><circle cx="4" cy="4" r="4"/></svg>`;

test("a reload reaches the portal: its brand, theme and frame-ancestors", async () => {
  const running = await start(baseConfig({ portal: { brand: { name: "Acme $& hooks", color: "#111111" } } }));
  const title = async () => /<title>([^<]*)<\/title>/.exec(await (await fetch(`${running.url}/portal`)).text())?.[1];
  expect(await title()).toBe("Acme $&#38; hooks");
  const theme = () => fetch(`${running.url}/portal/theme.css`);
  const before = await theme();
  expect(await before.text()).toContain("#111111");
  expect(before.headers.get("content-security-policy")).toEndWith("frame-ancestors 'none'");
  expect(before.headers.get("x-frame-options")).toBe("DENY");
  expect((await fetch(`${running.url}/portal/brand-logo`)).status).toBe(404);

  await running.reload(await load(baseConfig({ portal: { brand: { name: "Globex", color: "#222222", logo: `data:image/svg+xml;base64,${btoa(LOGO)}` }, theme: "dark", frameAncestors: ["https://app.example.com"] } })));
  expect(await title()).toBe("Globex");
  const after = await theme();
  expect(await after.text()).toContain("#222222");
  expect(after.headers.get("content-security-policy")).toEndWith("frame-ancestors https://app.example.com");
  expect(after.headers.get("x-frame-options")).toBeNull();
  const css = await (await theme()).text();
  expect(css).toContain("color-scheme:dark");
  const logo = await fetch(`${running.url}/${/url\(\/([^)]+)\)/.exec(css)![1]}`);
  expect(logo.headers.get("content-type")).toBe("image/svg+xml");
  expect(await logo.text()).toBe(LOGO);
});

test("a reload before the portal's first request: the portal, built on that request, has the reloaded look", async () => {
  // The admin app (and the portal in it) is imported and built on the first request for it (app/http.ts).
  const running = await start(baseConfig({ portal: { brand: { name: "Acme", color: "#111111" } } }));
  await running.reload(await load(baseConfig({ portal: { brand: { name: "Globex", color: "#222222" } } })));
  const page = await fetch(`${running.url}/portal`);
  expect(page.status).toBe(200);
  expect(/<title>([^<]*)<\/title>/.exec(await page.text())?.[1]).toBe("Globex");
  expect(await (await fetch(`${running.url}/portal/theme.css`)).text()).toContain("#222222");
});

test("a reload reaches what the admin API reads, without writing into the running config", async () => {
  const running = await start(baseConfig({ events: { "order.created": { description: "first" } } }), true);
  const api = adminClient(running.url);
  const types = async () => ((await api("GET", "/event-types")).body.data as { type: string; inCatalog: boolean }[]).filter((t) => !t.type.startsWith("hookgate."));
  expect((await types()).map((t) => t.type)).toEqual(["order.created"]);
  expect((await api("POST", "/endpoints", { url: "http://127.0.0.1:9/x", events: ["order.created"], verify: false })).status).toBe(201);

  const next = baseConfig({
    events: { "order.paid": { description: "second" } },
    sources: [{ type: "http", id: "other", path: "/v1/other", tokens: [{ name: "t", token: "other-ingest-token-0123456789", events: ["*"] }] }],
  });
  await running.reload(await load({ ...next, delivery: { ...next.delivery, requireHttps: true } }, true));

  expect((await types()).map((t) => t.type)).toEqual(["order.paid"]);
  const refused = await api("POST", "/endpoints", { url: "http://127.0.0.1:9/y", events: ["order.paid"], verify: false });
  expect(refused.status).toBe(422);
  expect(JSON.stringify(refused.body)).toContain("https");
  expect((await api("POST", "/endpoints", { url: "https://127.0.0.1:9/y", events: ["order.created"], verify: false })).status).toBe(422);
  expect(((await api("GET", "/sources")).body.data as { id: string }[]).map((s) => s.id)).toEqual(["other"]);
});
