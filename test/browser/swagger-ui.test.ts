import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { BrowserContext } from "playwright-core";
import { startBinary, writeConfig, type Running } from "../support/binary.ts";
import { launchChromium, skipBrowser, type Chromium } from "./chromium.ts";
import { axeViolations } from "./portal-support.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

/**
 * Swagger UI in a real browser against the compiled binary: the page, its assets and "Try it out"
 * touch no host but the gateway. Debian's chromium, driven by playwright-core (no browser download).
 */
const skip = skipBrowser("browser test");

const ADMIN = "browser-admin-token-0123456789";

describe.skipIf(skip)("Swagger UI at /docs, offline", () => {
  let gateway: Running;
  let context: BrowserContext;
  let browser: Chromium | undefined;

  beforeAll(async () => {
    gateway = await startBinary(writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: "${ADMIN}", scopes: ["read"] }] },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"] },
  endpoints: [{ id: "crm", url: "http://127.0.0.1:9/hooks", events: ["*"], secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }],
});
`));
    browser = await launchChromium();
    context = browser.context;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  test("authorize, Try it out on GET /api/v1/endpoints, 200, and no request to another host", async () => {
    const origin = new URL(gateway.url).origin;
    const requests: string[] = [];
    const problems: string[] = [];
    context.on("request", (request) => requests.push(request.url()));
    const page = await context.newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => { if (message.type() === "error") problems.push(`console: ${message.text()}`); });

    await page.goto(`${gateway.url}/docs`);
    await page.waitForSelector(".swagger-ui .info .title", { timeout: 20_000 });
    expect(await page.textContent(".swagger-ui .info .title")).toContain("hookgate admin API");

    await page.click("button.btn.authorize");
    await page.fill("#auth-bearer-value", ADMIN);
    await page.click(".modal-ux button.modal-btn.auth.authorize");
    await page.click(".modal-ux button.btn-done");

    const op = "#operations-endpoints-listEndpoints";
    await page.click(`${op} .opblock-summary`);
    await page.click(`${op} button.try-out__btn`);
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/endpoints"),
      page.click(`${op} button.execute`),
    ]);
    expect(response.status()).toBe(200);
    expect(response.request().headers().authorization).toBe(`Bearer ${ADMIN}`);
    await page.waitForSelector(`${op} .live-responses-table .response-col_status`);
    expect((await page.textContent(`${op} .live-responses-table tbody .response-col_status`))?.trim()).toBe("200");
    expect(await page.textContent(`${op} .live-responses-table tbody`)).toContain('"managedBy": "config"');

    // Every request the browser made: the page, its assets, the document and the API call, all on the gateway.
    const paths = requests.map((url) => new URL(url)).filter((u) => u.protocol !== "data:" && u.protocol !== "blob:");
    expect(paths.map((u) => u.pathname)).toEqual(expect.arrayContaining(["/docs", "/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css", "/docs/json", "/api/v1/endpoints"]));
    expect(paths.filter((u) => u.origin !== origin).map((u) => u.href)).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);

  test("Try it out pre-fills each body with the document's safe example, and the token survives a reload", async () => {
    const doc = await (await fetch(`${gateway.url}/docs/json`)).json() as { paths: Record<string, Record<string, any>> };
    const page = await context.newPage();
    await page.goto(`${gateway.url}/docs`);
    // Signed out first: the other test's authorization is kept too (this profile's localStorage).
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.waitForSelector(".swagger-ui .info .title", { timeout: 20_000 });
    expect(await page.isVisible("button.btn.authorize.unlocked")).toBe(true);
    await page.click("button.btn.authorize");
    await page.fill("#auth-bearer-value", ADMIN);
    await page.click(".modal-ux button.modal-btn.auth.authorize");
    await page.click(".modal-ux button.btn-done");
    await page.reload();
    await page.waitForSelector(".swagger-ui .info .title", { timeout: 20_000 });
    expect(await page.isVisible("button.btn.authorize.locked")).toBe(true);

    for (const [operationId, path, method] of [["createEndpoint", "/api/v1/endpoints", "post"], ["updateEndpoint", "/api/v1/endpoints/{id}", "patch"]] as const) {
      const op = `#operations-endpoints-${operationId}`;
      await page.click(`${op} .opblock-summary`);
      await page.click(`${op} button.try-out__btn`);
      const shown = JSON.parse(await page.inputValue(`${op} textarea.body-param__text`));
      expect(shown).not.toHaveProperty("verify");
      expect({ operationId, shown }).toEqual({ operationId, shown: doc.paths[path]![method].requestBody.content["application/json"].schema.examples[0] });
    }
  }, 60_000);

  test("axe-core finds no colour-contrast violation in Swagger UI's theme, and its assets arrive compressed", async () => {
    const page = await context.newPage();
    const encodings = new Map<string, string>();
    page.on("response", async (r) => { if (r.url().includes("/docs/assets/")) encodings.set(new URL(r.url()).pathname, (await r.allHeaders())["content-encoding"] ?? "none"); });
    await page.goto(`${gateway.url}/docs`);
    await page.waitForSelector(".swagger-ui .info .title", { timeout: 20_000 });
    await page.click("#operations-endpoints-listEndpoints .opblock-summary");
    await page.waitForSelector("#operations-endpoints-listEndpoints .parameter__in");
    const contrast = (await axeViolations(page)).filter((v) => v.startsWith("color-contrast"));
    expect(contrast).toEqual([]);
    expect(encodings.get("/docs/assets/swagger-ui-bundle.js")).toBe("br");
    expect(encodings.get("/docs/assets/swagger-ui.css")).toBe("br");
    const sizes = await page.evaluate(() => performance.getEntriesByType("resource").concat(performance.getEntriesByType("navigation" as "resource"))
      .map((e) => (e as PerformanceResourceTiming).transferSize).reduce((a, b) => a + b, 0));
    console.log(`Swagger UI first load: ${(sizes / 1024).toFixed(1)} KB transferred`);
    expect(sizes).toBeLessThan(600 * 1024);
  }, 60_000);
});
