import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { startBinary, writeConfig, type Running } from "../support/binary.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";
import { launchChromium, skipBrowser, type Chromium } from "./chromium.ts";
import { adminApi, audit, expectClean, portalConfig, screenshot, watchedPage } from "./portal-support.ts";

setDefaultTimeout(60_000);

/**
 * The portal in English and German (DESIGN §10): a session's `locale` picks the language, else the browser's; the
 * headings, the dates and the numbers follow it; axe-core passes in both languages, in the light and the dark theme
 * (`portal.theme: "auto"` follows the emulated prefers-color-scheme); `portal.locales` without "de" falls back to English.
 */
const skip = skipBrowser("portal locales test");
const ADMIN = "portal-locales-admin-token-0123456789";
const configOf = (locales: string[]) => portalConfig(ADMIN).replace(
  `portal: { brand: { name: "Acme Cloud — Webhooks", color: "#0b5cad" } },`,
  `portal: { brand: { name: "Acme Cloud — Webhooks", color: "#0b5cad" }, theme: "auto", locales: ${JSON.stringify(locales)} },`,
);

/** Whether a shown date is German (06.12.2026, 21:47:29) or English (Dec 6, 2026, 9:47:29 PM). */
const GERMAN_DATE = /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2}$/;
const ENGLISH_DATE = /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2}\s[AP]M$/;

/** axe-core in the light and the dark theme (`theme: "auto"` follows the emulated scheme), then back to light. */
async function auditBothThemes(page: Page): Promise<void> {
  for (const scheme of ["dark", "light"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    expect(await audit(page)).toEqual([]);
  }
}

describe.skipIf(skip)("the portal's languages", () => {
  let gateway: Running;
  let receiver: Receiver;
  let english: Chromium | undefined;
  let german: Chromium | undefined;
  let admin: ReturnType<typeof adminApi>;
  let origin = "";
  let configPath = "";

  beforeAll(async () => {
    receiver = startReceiver();
    configPath = writeConfig(configOf(["en", "de"]));
    gateway = await startBinary(configPath);
    origin = new URL(gateway.url).origin;
    admin = adminApi(gateway.url, ADMIN);
    const { id } = await admin<{ id: string }>("POST", "/endpoints", { url: receiver.url, events: ["order.*"], description: "Orders to the ERP", tenant: "acme", verify: false });
    await admin("POST", `/endpoints/${id}/test`, { type: "order.created" });
    english = await launchChromium({ locale: "en-US" });
    german = await launchChromium({ locale: "de-DE" });
  }, 90_000);
  afterAll(async () => { await english?.close(); await german?.close(); await gateway?.stop(); receiver?.stop(); });

  const sessionUrl = async (body: object = {}) => (await admin<{ url: string }>("POST", "/tenants/acme/sessions", body)).url.replace(/^https?:\/\/[^/]+/, origin);
  const shownDate = (page: Page) => page.locator("li.delivery summary time").first().textContent();

  test("a session with locale de: German headings, dates and words; axe passes in light and dark", async () => {
    const url = await sessionUrl({ locale: "de" });
    expect(url).toEndWith("&locale=de");
    // The browser prefers English: the session's locale wins.
    const w = await watchedPage(english!.context);
    const { page } = w;
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(url);
    await page.getByRole("heading", { name: "Endpunkte" }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("de");
    expect(await page.getByRole("link", { name: "Zustellungen", exact: true }).count()).toBe(1);
    await page.getByText("Orders to the ERP").waitFor();
    expect(await page.getByRole("columnheader", { name: "Letzter Versuch" }).count()).toBe(1);
    await auditBothThemes(page);
    await screenshot(page, "endpoints-de");

    await page.getByRole("link", { name: "Zustellungen", exact: true }).click();
    await page.getByRole("heading", { name: "Zustellungen" }).waitFor();
    await waitFor(async () => (await page.locator("li.delivery").count()) > 0);
    expect(await shownDate(page)).toMatch(GERMAN_DATE);
    expect(await page.locator(".pager").textContent()).toContain("Seite 1 von 1 · 1 Zustellung");
    await page.locator("li.delivery summary").first().click();
    await page.locator(".attempt").first().waitFor();
    await auditBothThemes(page);
    await screenshot(page, "deliveries-de");

    await page.getByRole("link", { name: "Ereignistypen" }).click();
    await page.getByRole("heading", { name: "Ereignistypen" }).waitFor();
    expect(await audit(page)).toEqual([]);

    // The forms too: the add form's labels and the customer's words for a field's error.
    await page.getByRole("link", { name: "Endpunkte", exact: true }).click();
    await page.getByRole("link", { name: "Endpunkt hinzufügen" }).click();
    await page.getByRole("heading", { name: "Endpunkt hinzufügen" }).waitFor();
    await page.getByLabel("URL", { exact: true }).fill("https://example.com/hooks");
    await page.getByRole("button", { name: "Endpunkt hinzufügen" }).click();
    await page.getByText("Wählen Sie mindestens einen Ereignistyp.").first().waitFor();
    await auditBothThemes(page);
    await screenshot(page, "add-endpoint-de");
    await page.getByRole("link", { name: "Endpunkte", exact: true }).click();
    await page.getByRole("link", { name: /Orders to the ERP/ }).first().click();
    await page.getByRole("heading", { name: "Orders to the ERP" }).waitFor();
    await page.getByRole("heading", { name: "Test-Ereignis senden" }).waitFor();
    expect(await page.getByText("So schnell wie möglich, in beliebiger Reihenfolge").count()).toBe(1);
    expect(await audit(page)).toEqual([]);

    // Signing out keeps the language on the page that says so.
    await page.getByRole("button", { name: "Abmelden" }).click();
    await page.getByRole("heading", { name: "Sie haben sich abgemeldet" }).waitFor();
    expectClean(w, origin, url.split("#token=")[1]!.split("&")[0]!);
    await page.close();
  });

  test("a session with locale en in a German browser: English headings and dates, axe passes in light and dark", async () => {
    const w = await watchedPage(german!.context);
    const { page } = w;
    await page.goto(await sessionUrl({ locale: "en" }));
    await page.getByRole("heading", { name: "Endpoints" }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await page.getByRole("link", { name: "Deliveries", exact: true }).click();
    await page.getByRole("heading", { name: "Deliveries" }).waitFor();
    await waitFor(async () => (await page.locator("li.delivery").count()) > 0);
    expect(await shownDate(page)).toMatch(ENGLISH_DATE);
    await auditBothThemes(page);
    await page.close();
  });

  test("no locale: the browser's language picks; portal.locales without de falls back to English", async () => {
    const page = await german!.context.newPage();
    await page.goto(await sessionUrl());
    await page.getByRole("heading", { name: "Endpunkte" }).waitFor();
    const inEnglish = await english!.context.newPage();
    await inEnglish.goto(await sessionUrl());
    await inEnglish.getByRole("heading", { name: "Endpoints" }).waitFor();
    await inEnglish.close();

    writeFileSync(configPath, configOf(["en"]));
    gateway.proc.kill("SIGHUP");
    await waitFor(async () => (await (await fetch(`${origin}/portal`)).text()).includes(`data-locales="en"`));
    await page.close();
    const fallback = await german!.context.newPage();
    await fallback.goto(await sessionUrl({ locale: "de" }));
    await fallback.getByRole("heading", { name: "Endpoints" }).waitFor();
    expect(await fallback.locator("html").getAttribute("lang")).toBe("en");
    await fallback.close();
  });
});
