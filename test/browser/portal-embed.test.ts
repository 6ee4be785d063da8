import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { BrowserContext, Frame, Page } from "playwright-core";
import { startBinary, writeConfig, type Running } from "../support/binary.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";
import { launchChromium, skipBrowser, type Chromium } from "./chromium.ts";
import { adminApi, audit, expectClean, portalConfig, screenshot, watchedPage } from "./portal-support.ts";

setDefaultTimeout(60_000);

/**
 * The embeddable portal (DESIGN §10): a vendor's app on another origin shows the session URL in an iframe, an origin
 * not in `portal.frameAncestors` is refused by the browser; the brand's name and logo show; axe-core passes in the
 * light and the dark theme (auto following prefers-color-scheme, then dark set and applied by SIGHUP).
 * Each parent page is its own site: 127.0.0.2 and 127.0.0.3 are loopback addresses apart from the gateway's 127.0.0.1.
 */
const skip = skipBrowser("portal embed test");
const ADMIN = "portal-embed-admin-token-0123456789";
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" rx="2" fill="#0b5cad"/><path d="M2 5h6" stroke="#fff" stroke-width="2"/></svg>`;

/** A vendor's page at host:port that frames whatever `src` is set to. */
function vendor(hostname: string) {
  let src = "about:blank";
  const server = Bun.serve({
    hostname, port: 0,
    fetch: () => new Response(`<!DOCTYPE html><html lang="en"><head><title>Vendor app</title></head><body style="margin:0;font-family:sans-serif"><p style="padding:8px">Vendor app, settings</p><iframe title="Webhooks" src="${src}" style="width:1200px;height:760px;border:1px solid #999"></iframe></body></html>`, { headers: { "content-type": "text/html" } }),
  });
  return { origin: `http://${hostname}:${server.port}`, frame(url: string) { src = url; }, stop: () => server.stop(true) };
}

const configOf = (theme: string, frameAncestors: string[]) => portalConfig(ADMIN).replace(
  `portal: { brand: { name: "Acme Cloud — Webhooks", color: "#0b5cad" } },`,
  `portal: { brand: { name: "Acme Cloud — Webhooks", color: "#0b5cad", logo: "./acme-logo.svg" }, theme: ${JSON.stringify(theme)}, frameAncestors: ${JSON.stringify(frameAncestors)} },`,
);

describe.skipIf(skip)("the portal embedded in a vendor's app", () => {
  let gateway: Running;
  let receiver: Receiver;
  let browser: Chromium | undefined;
  let context: BrowserContext;
  let admin: ReturnType<typeof adminApi>;
  let origin = "";
  let configPath = "";
  const allowed = vendor("127.0.0.2");
  const other = vendor("127.0.0.3");

  beforeAll(async () => {
    receiver = startReceiver();
    configPath = writeConfig(configOf("auto", [allowed.origin]));
    writeFileSync(join(dirname(configPath), "acme-logo.svg"), LOGO);
    gateway = await startBinary(configPath);
    origin = new URL(gateway.url).origin;
    admin = adminApi(gateway.url, ADMIN);
    const { id } = await admin<{ id: string }>("POST", "/endpoints", { url: receiver.url, events: ["order.*"], description: "Orders to the ERP", tenant: "acme", verify: false });
    await admin("POST", `/endpoints/${id}/test`, { type: "order.created" });
    browser = await launchChromium();
    context = browser.context;
  }, 90_000);
  afterAll(async () => { await browser?.close(); await gateway?.stop(); receiver?.stop(); allowed.stop(); other.stop(); });

  const sessionUrl = async () => (await admin<{ url: string }>("POST", "/tenants/acme/sessions", {})).url.replace(/^https?:\/\/[^/]+/, origin);
  const portalFrame = (page: Page): Frame => page.frames().find((f) => f.url().startsWith(`${origin}/portal`))!;

  test("a listed origin frames the session URL and the portal works inside it", async () => {
    const url = await sessionUrl();
    allowed.frame(url);
    const w = await watchedPage(context);
    const { page } = w;
    await page.setViewportSize({ width: 1240, height: 820 });
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(allowed.origin);
    await waitFor(() => Boolean(portalFrame(page)));
    const frame = portalFrame(page);
    await frame.getByRole("heading", { name: "Endpoints" }).waitFor();
    await frame.getByText("Orders to the ERP").waitFor();
    // It works, not just shows: open the endpoint and come back.
    await frame.getByRole("link", { name: /Orders to the ERP/ }).first().click();
    await frame.getByRole("heading", { name: "Orders to the ERP" }).waitFor();
    expect(await frame.locator(".brand").textContent()).toBe("Acme Cloud — Webhooks");
    await screenshot(page, "embedded-light", false);

    await page.emulateMedia({ colorScheme: "dark" });
    const surface = () => frame.evaluate(() => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string }; document: { querySelector(s: string): unknown } }).getComputedStyle((globalThis as any).document.querySelector(".card")).backgroundColor);
    await waitFor(async () => (await surface()) === "rgb(27, 35, 44)");
    await screenshot(page, "embedded-dark", false);
    // The vendor's own page aside, the frame made the requests of a clean visit; chromium only notes that it keeps
    // focus where the vendor's page has it (no autofocus across origins).
    expectClean({ ...w, requests: w.requests.filter((r) => !r.startsWith(allowed.origin)) }, origin, url.split("#token=")[1]!, /Blocked autofocusing on a <\w+> element in a cross-origin subframe/);
    await page.close();
  });

  test("an origin not listed gets the frame refused", async () => {
    other.frame(await sessionUrl());
    const page = await context.newPage();
    const refused = page.waitForEvent("console", { predicate: (m) => m.text().includes("frame-ancestors") });
    await page.goto(other.origin);
    await refused;
    // Chromium leaves an empty, opaque frame: no portal was rendered in it.
    const frame = page.frames().find((f) => f !== page.mainFrame())!;
    expect(await frame.evaluate(() => (globalThis as any).document.getElementById("root")).catch(() => null)).toBeNull();
    expect(await page.frameLocator("iframe").getByRole("heading", { name: "Endpoints" }).count()).toBe(0);
    await page.close();
  });

  test("the brand shows, and axe passes in light and dark (auto), then with theme dark after SIGHUP", async () => {
    const w = await watchedPage(context);
    const { page } = w;
    const url = await sessionUrl();
    const token = url.split("#token=")[1]!;
    await page.goto(url);
    await page.getByRole("heading", { name: "Endpoints" }).waitFor();
    expect(await page.title()).toBe("Acme Cloud — Webhooks");
    expect(await page.locator("header .brand").textContent()).toBe("Acme Cloud — Webhooks");
    const logoUrl = await page.locator("header .brand").evaluate((e) => (globalThis as any).getComputedStyle(e, "::before").backgroundImage as string);
    expect(logoUrl).toMatch(new RegExp(`^url\\("${origin}/portal/brand-logo\\?v=[0-9a-f]{16}"\\)$`));
    const logo = await fetch(logoUrl.slice(5, -2));
    expect(logo.headers.get("content-type")).toBe("image/svg+xml");
    expect(await logo.text()).toBe(LOGO);
    expect(w.requests.some((r) => r.startsWith(`${origin}/portal/brand-logo`))).toBe(true);

    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await page.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.documentElement).colorScheme)).toBe(scheme === "dark" ? "dark" : "normal");
      expect(await audit(page)).toEqual([]);
      await page.getByRole("link", { name: /Orders to the ERP/ }).first().click();
      await page.getByRole("heading", { name: "Orders to the ERP" }).waitFor();
      expect(await audit(page)).toEqual([]);
      await page.goBack();
      await page.getByRole("heading", { name: "Endpoints" }).waitFor();
    }
    await screenshot(page, "theme-dark");

    // theme: "dark" holds whatever the browser prefers; a SIGHUP applies it to the running binary.
    writeFileSync(configPath, configOf("dark", [allowed.origin]));
    gateway.proc.kill("SIGHUP");
    await waitFor(async () => (await (await fetch(`${origin}/portal/theme.css`)).text()).startsWith(":root{--accent:#0b5cad}\n:root{color-scheme:dark"));
    await page.emulateMedia({ colorScheme: "light" });
    await page.reload();
    await page.getByRole("heading", { name: "Endpoints" }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.documentElement).colorScheme)).toBe("dark");
    expect(await audit(page)).toEqual([]);
    await page.getByRole("link", { name: "Add endpoint" }).click();
    await page.getByRole("heading", { name: "Add endpoint" }).waitFor();
    expect(await audit(page)).toEqual([]);
    await page.getByRole("link", { name: "Deliveries", exact: true }).click();
    await page.getByRole("heading", { name: "Deliveries" }).waitFor();
    await page.locator("li.delivery summary").first().click();
    await page.locator(".attempt").first().waitFor();
    expect(await audit(page)).toEqual([]);
    await page.getByRole("link", { name: "Event types" }).click();
    await page.getByRole("heading", { name: "Event types" }).waitFor();
    expect(await audit(page)).toEqual([]);
    expectClean(w, origin, token);
    await page.close();
  });
});
