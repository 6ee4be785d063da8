import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { gzipSync } from "node:zlib";
import type { BrowserContext } from "playwright-core";
import { startBinary, writeConfig, type Running } from "../support/binary.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { launchChromium, skipBrowser, type Chromium } from "./chromium.ts";
import { adminApi, audit, expectClean, portalConfig, screenshot, watchedPage, type Watched } from "./portal-support.ts";

setDefaultTimeout(60_000);

/**
 * The portal in Debian's chromium against the compiled binary: a tenant's whole day from its session link, the
 * ops sign-in, sessions that ended, text that looks like HTML, the CSP, axe-core on every page, and screenshots.
 */
const skip = skipBrowser("portal browser test");

const ADMIN = "portal-admin-token-0123456789";
const XSS = `<img src=x onerror="window.__pwned=1">`;
/** Chromium logs every 401 answer as a failed resource load; the expired and revoked pages are made of one. */
const LOAD_401 = /Failed to load resource: the server responded with a status of 401/;

describe.skipIf(skip)("the portal at /portal", () => {
  let gateway: Running;
  let receiver: Receiver;
  let context: BrowserContext;
  let browser: Chromium | undefined;
  let origin: string;
  let admin: ReturnType<typeof adminApi>;
  let expiring: { url: string; expiresAt: string };
  const answers: { status: number; body: string }[] = [];

  beforeAll(async () => {
    // Answers 200 unless the test queued another answer.
    receiver = startReceiver(() => { const next = answers.shift() ?? { status: 200, body: "ok" }; return new Response(next.body, { status: next.status, headers: { "content-type": "text/plain" } }); });
    gateway = await startBinary(writeConfig(portalConfig(ADMIN)));
    origin = new URL(gateway.url).origin;
    admin = adminApi(gateway.url, ADMIN);
    const hooks = (name: string) => receiver.url.replace("/hooks", `/${name}`);
    await admin("POST", "/endpoints", { url: hooks("acme-orders"), events: ["order.*"], description: `Orders ${XSS}`, tenant: "acme", verify: false });
    await admin("POST", "/endpoints", { url: hooks("globex-crm"), events: ["*"], description: "Globex CRM", tenant: "globex", verify: false });
    await admin("POST", "/endpoints", { url: hooks("global-audit"), events: ["*"], description: "Audit log (global)", verify: false });
    await admin("PUT", "/tenants/globex", { name: "Globex Corp" });
    // Sessions last at least 60 s: this one is opened last, once it has expired.
    expiring = await admin("POST", "/tenants/umbrella/sessions", { expiresIn: 60 });
    browser = await launchChromium();
    context = browser.context;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    receiver?.stop();
  });

  const clean = (w: Watched, token: string, allow?: RegExp) => expectClean(w, origin, token, allow);

  test("served with its CSP and headers, JS and CSS under 80 KB gzipped, all under /portal/", async () => {
    const response = await fetch(`${gateway.url}/portal`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toStartWith("default-src 'self';");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(response.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await response.text();
    expect(html).toContain("<title>Acme Cloud — Webhooks</title>");
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((a) => a !== "data:,");
    expect(assets.length).toBeGreaterThanOrEqual(3);
    let gzipped = 0;
    for (const asset of assets) {
      expect(asset).toStartWith("/portal/");
      const file = await fetch(`${gateway.url}${asset}`);
      expect(file.status).toBe(200);
      expect(file.headers.get("content-security-policy")).toStartWith("default-src 'self';");
      gzipped += gzipSync(new Uint8Array(await file.arrayBuffer()), { level: 9 }).length;
    }
    console.log(`portal JS + CSS: ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    expect(gzipped).toBeLessThan(80 * 1024);
    expect(await (await fetch(`${gateway.url}/portal/theme.css`)).text()).toContain("--accent:#0b5cad");
  });

  test("a tenant's whole day, from the session link", async () => {
    const session = await admin<{ token: string; url: string }>("POST", "/tenants/acme/sessions", {});
    const w = await watchedPage(context);
    const { page } = w;
    await page.goto(session.url.replace(/^https?:\/\/[^/]+/, origin));
    await page.getByRole("heading", { name: "Endpoints" }).waitFor();
    // The token left the address bar and lives in sessionStorage only.
    expect(page.url()).not.toContain(session.token);
    expect(await page.evaluate(() => JSON.stringify(sessionStorage))).toContain(session.token);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    // Only acme's endpoints; the description that looks like HTML is text.
    await page.getByText("acme-orders").waitFor();
    const list = await page.textContent("main");
    expect(list).toContain(`Orders ${XSS}`);
    expect(list).not.toContain("globex-crm");
    expect(list).not.toContain("global-audit");
    expect(await page.locator("main img").count()).toBe(0);
    expect(await audit(page)).toEqual([]);
    await screenshot(page, "tenant-endpoints");

    // Add an endpoint: the ping succeeds, the secret is shown once.
    await page.getByRole("link", { name: "Add endpoint" }).click();
    await page.getByLabel("URL").fill(receiver.url.replace("/hooks", "/acme-new"));
    await page.getByLabel("Description").fill("Fulfilment service");
    await page.getByLabel(/order\.created/).check();
    await page.getByLabel("Signing scheme").selectOption("standard");
    expect(await audit(page)).toEqual([]);
    await screenshot(page, "add-endpoint-ping");
    // The first ping fails: nothing is saved, and the page shows the receiver's answer.
    answers.push({ status: 503, body: "warming up" });
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const ping = page.getByRole("article", { name: "The verification ping" });
    await ping.waitFor();
    expect(await ping.textContent()).toContain("503");
    expect(await ping.getByRole("region", { name: /Response body/ }).textContent()).toBe("warming up");
    // In the customer's words, at the URL field: no status code, no config key.
    expect(await page.getByRole("alert").textContent()).not.toContain("422");
    expect(await page.locator("#ep-url-error").textContent()).toContain("did not answer our test request");
    expect(await page.getByLabel("URL").getAttribute("aria-invalid")).toBe("true");
    expect(await audit(page)).toEqual([]);
    await screenshot(page, "verify-failed");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.getByText("shown this once").waitFor();
    const secret = (await page.getByLabel("Signing secret", { exact: true }).textContent())!;
    expect(secret).toStartWith("whsec_");
    expect(await page.textContent("main")).toContain("answered the verification ping");
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
    await page.getByRole("button", { name: "Copy secret", exact: true }).click();
    await page.getByText("Copied to the clipboard.").waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(secret);
    expect(await audit(page)).toEqual([]);
    await screenshot(page, "secret-once");
    await page.getByRole("button", { name: "I have stored the secret" }).click();
    await page.getByRole("heading", { name: "Fulfilment service" }).waitFor();
    const seen: string[] = [];
    const remember = async () => seen.push((await page.content()) + (await page.evaluate(() => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText)));

    // A test event: the receiver answers 500 with a body that looks like HTML.
    answers.push({ status: 500, body: `database down ${XSS}` });
    await page.getByRole("button", { name: "Send test event" }).click();
    await page.getByRole("article", { name: "The receiver's answer" }).waitFor();
    expect(await page.getByRole("region", { name: /Response body/ }).first().textContent()).toContain(`database down ${XSS}`);
    // Times in the browser's zone, the UTC value on hover.
    expect(await page.locator("time").first().getAttribute("title")).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await remember();
    expect(await audit(page)).toEqual([]);
    await screenshot(page, "endpoint-test-event");

    // The failed delivery in the log: read the 500 body, Retry, the new attempt succeeds.
    await page.getByRole("link", { name: "Open this delivery in the log" }).click();
    await page.getByRole("heading", { name: "Deliveries" }).waitFor();
    const item = page.locator("li.delivery").first();
    await item.locator("details > summary").first().click();
    expect(await item.getByRole("region", { name: "Response body, attempt 1" }).textContent()).toContain(`database down ${XSS}`);
    await item.getByRole("button", { name: /Retry now/ }).click();
    await page.getByText(/Retried: attempt 2 succeeded \(200\)/).waitFor();
    await page.locator("li.delivery").first().getByText("succeeded").first().waitFor();
    await remember();
    expect(await page.locator("main img").count()).toBe(0);
    expect(await audit(page)).toEqual([]);
    await screenshot(page, "delivery-retried");
    // Filters: by event type and status (none of order.created, the ping that succeeded).
    await page.getByLabel("Event type").selectOption("order.created");
    await page.getByText("No deliveries match.").waitFor();
    await page.getByLabel("Event type").selectOption("ping");
    await page.getByLabel("Status").selectOption("succeeded");
    await page.locator("li.delivery").first().waitFor();
    expect(await page.locator("li.delivery").count()).toBe(1);
    expect(new URL(page.url()).hash).toContain("type=ping");
    await page.goBack(); await page.goBack(); await page.goBack();

    // Rotate with a grace period: a new secret, shown once.
    await page.goBack();
    await page.getByRole("heading", { name: "Fulfilment service" }).waitFor();
    await page.getByLabel("Grace period for the old secret").selectOption("3600");
    await page.getByRole("button", { name: "Rotate secret" }).click();
    const rotated = (await page.getByLabel("Signing secret", { exact: true }).textContent())!;
    expect(rotated).toStartWith("whsec_");
    expect(rotated).not.toBe(secret);
    expect(await page.textContent("main")).toContain("The old secret keeps signing until");
    await page.getByRole("button", { name: "I have stored the secret" }).click();

    // Disable, then enable.
    await page.getByRole("button", { name: "Disable endpoint" }).click();
    await page.getByRole("button", { name: "Enable endpoint" }).waitFor();
    expect(await page.locator("dl.facts .badge").first().textContent()).toBe("○ disabled");
    await page.getByRole("button", { name: "Enable endpoint" }).click();
    await page.getByRole("button", { name: "Disable endpoint" }).waitFor();
    expect(await page.locator("dl.facts .badge").first().textContent()).toBe("● enabled");

    // Recover failed deliveries since a time.
    await page.getByLabel("Since (your time zone)").fill("2026-01-01T00:00");
    await page.getByRole("button", { name: "Recover" }).click();
    await page.getByText(/queued again/).waitFor();
    await remember();

    // The catalog with its JSON Schemas.
    await page.getByRole("link", { name: "Event types" }).click();
    await page.getByRole("heading", { name: "Event types" }).waitFor();
    await page.getByText("JSON Schema of order.created").click();
    expect(await page.getByRole("region", { name: "JSON Schema of order.created" }).textContent()).toContain('"orderId"');
    expect(await audit(page)).toEqual([]);
    await screenshot(page, "event-types-schema");
    await remember();

    // Delete after confirming.
    await page.goBack();
    await page.getByRole("button", { name: "Delete endpoint…" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this endpoint?" });
    await dialog.waitFor();
    expect(await audit(page)).toEqual([]);
    await screenshot(page, "delete-confirm", false);
    await dialog.getByRole("button", { name: "Delete for good" }).click();
    await page.getByRole("heading", { name: "Endpoints" }).waitFor();
    await page.getByText("acme-orders").waitFor();
    expect(await page.textContent("main")).not.toContain("acme-new");
    await remember();

    // The secrets never appeared again; nothing ran from the HTML-looking text.
    for (const html of seen) { expect(html).not.toContain(secret); expect(html).not.toContain(rotated); }
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(receiver.requests.filter((r) => r.path === "/acme-new").length).toBeGreaterThanOrEqual(3);
    // The one answer that was not 2xx: the refused ping (chromium logs it as a failed load).
    expect(w.failed).toEqual(["422 POST /api/v1/endpoints"]);
    clean(w, session.token, /status of 422 \(Unprocessable Entity\)/);
    await page.close();
  }, 120_000);

  test("ops: an admin token in the sign-in form, then the tenant picker", async () => {
    const w = await watchedPage(context);
    const { page } = w;
    await page.goto(`${gateway.url}/portal`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await audit(page)).toEqual([]);
    await screenshot(page, "sign-in");
    // By keyboard alone: the skip link, then the token field; Enter signs in.
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).toBe("admin-token");
    await page.keyboard.type(ADMIN);
    await page.keyboard.press("Enter");
    await page.getByText("global-audit").waitFor();
    const all = await page.textContent("main");
    for (const name of ["acme-orders", "globex-crm", "global-audit"]) expect(all).toContain(name);
    expect(all).toContain("global (every tenant's events)");
    // The picker lists the first 100 tenants; a search narrows it by id start or name part.
    await page.getByLabel("Find tenant").fill("corp");
    const picker = page.getByRole("combobox", { name: /^Tenant/ });
    const options = picker.locator("option");
    for (let i = 0; i < 100 && (await options.count()) !== 2; i++) await Bun.sleep(50);
    expect(await options.allTextContents()).toEqual(["All (global and every tenant)", "Globex Corp (globex)"]);
    await picker.selectOption("globex");
    await page.getByText("Globex CRM").waitFor();
    expect(await page.textContent("main")).not.toContain("acme-orders");
    expect(await audit(page)).toEqual([]);
    await screenshot(page, "ops-tenant-picker");
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    clean(w, ADMIN);
    await page.close();
  });

  test("lists page by number, the page kept in the address", async () => {
    for (let i = 0; i < 21; i++) await admin("POST", "/endpoints", { url: receiver.url.replace("/hooks", `/paged-${String(i).padStart(2, "0")}`), events: ["*"], tenant: "paged", verify: false });
    const session = await admin<{ token: string }>("POST", "/tenants/paged/sessions", {});
    const w = await watchedPage(context);
    const { page } = w;
    await page.goto(`${origin}/portal#token=${session.token}`);
    await page.getByText("paged-20").waitFor();
    expect(await page.locator("table.list tbody tr").count()).toBe(20);
    await page.getByText("Page 1 of 2 · 21 endpoints").waitFor();
    expect(await page.getByRole("button", { name: "← Previous" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Next →" }).click();
    await page.getByText("paged-00").waitFor();
    expect(await page.locator("table.list tbody tr").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Next →" }).isDisabled()).toBe(true);
    expect(new URL(page.url()).hash).toBe("#/?page=2");
    await page.getByRole("button", { name: "← Previous" }).click();
    await page.getByText("paged-20").waitFor();
    expect(await page.locator("table.list tbody tr").count()).toBe(20);
    clean(w, session.token);
    await page.close();
  });

  test("a revoked session says so and what to do", async () => {
    const session = await admin<{ token: string; url: string }>("POST", "/tenants/initech/sessions", {});
    const w = await watchedPage(context);
    const { page } = w;
    await page.goto(`${origin}/portal#token=${session.token}`);
    // The list answered: revoked before that, its own request would end the session (and the nav with it).
    await page.getByText("No endpoints yet.").waitFor();
    await admin("DELETE", "/tenants/initech/sessions");
    await page.getByRole("link", { name: "Deliveries" }).click();
    await page.getByRole("heading", { name: "This link was revoked" }).waitFor();
    expect(await page.textContent("main")).toContain("open the Webhooks settings in your app");
    // The token is gone; only how the sign-in ended is kept, so a reload shows this page, not the admin sign-in.
    expect(await page.evaluate(() => JSON.stringify(sessionStorage))).not.toContain(session.token);
    await page.reload();
    await page.getByRole("heading", { name: "This link was revoked" }).waitFor();
    expect(await audit(page)).toEqual([]);
    await screenshot(page, "session-revoked");
    clean(w, session.token, LOAD_401);
    await page.close();
  });

  test("an expired session says so and what to do", async () => {
    const wait = Date.parse(expiring.expiresAt) + 1_000 - Date.now();
    if (wait > 0) await Bun.sleep(wait);
    const w = await watchedPage(context);
    const { page } = w;
    await page.goto(expiring.url.replace(/^https?:\/\/[^/]+/, origin));
    await page.getByRole("heading", { name: "This link has expired" }).waitFor();
    expect(await page.textContent("main")).toContain("it gives you a new link");
    expect(page.url()).not.toContain("token=");
    await screenshot(page, "session-expired-link");
    clean(w, new URL(expiring.url).hash.slice("#token=".length), LOAD_401);
    await page.close();
  }, 90_000);
});
