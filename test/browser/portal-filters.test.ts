import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { BrowserContext } from "playwright-core";
import { launchChromium, skipBrowser, type Chromium } from "./chromium.ts";
import { audit, expectClean, watchedPage } from "./portal-support.ts";
import { startScaleFixture, type ScaleFixture } from "./scale-fixture.ts";

setDefaultTimeout(90_000);
// The page's globals inside page.evaluate (the tests compile without the DOM library).
declare const document: any;

/**
 * The portal's payload filter field (issue 27), in chromium against the compiled binary: a bad filter is refused at
 * the field (aria-invalid, the bad operator's path in the message), "Test against the example event" says match or
 * no match on the catalog's example, and the saved endpoint carries the filter.
 */
const skip = skipBrowser("portal filters test");

describe.skipIf(skip)("the portal's filter field", () => {
  let fx: ScaleFixture;
  let browser: Chromium | undefined;
  let context: BrowserContext;

  beforeAll(async () => {
    fx = await startScaleFixture();
    browser = await launchChromium();
    context = browser.context;
  }, 180_000);
  afterAll(async () => { await browser?.close(); await fx?.stop(); });

  test("a bad filter is marked at its field; the example event matches or not; the filter is saved", async () => {
    const session = await fx.session();
    const w = await watchedPage(context);
    const { page } = w;
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${fx.origin}/portal#token=${session.token}`);
    await page.getByRole("heading", { name: "Endpoints" }).waitFor();
    await page.goto(`${fx.origin}/portal#/new`);
    await page.getByRole("heading", { name: "Add endpoint" }).waitFor();
    await page.getByLabel("URL").fill(fx.receiver.url.replace("/hooks", "/filtered"));
    await page.getByLabel("Description", { exact: true }).fill("EU jobs only");
    await page.getByLabel(/job\.created/).check();

    const filter = page.getByLabel(/^Filter/);
    await filter.fill('{ "data": { "region": { "$gtx": "eu" } } }');
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.locator("#ep-filter-error").waitFor();
    expect(await filter.getAttribute("aria-invalid")).toBe("true");
    expect(await filter.getAttribute("aria-describedby")).toContain("ep-filter-error");
    expect(await page.locator("#ep-filter-error").textContent()).toContain('At data.region.$gtx: unknown operator "$gtx"');
    expect(await page.evaluate(() => document.activeElement.id)).toBe("ep-filter");
    // Nothing was sent for a filter the API would refuse.
    expect(fx.receiver.requests.some((r) => r.path === "/filtered")).toBe(false);

    await filter.fill('{ "data": { "region": "us" } }');
    await page.getByLabel("Example event").selectOption("job.created");
    await page.getByRole("button", { name: "Test against the example event" }).click();
    await page.getByText("✗ No match: this endpoint would not get the example job.created event.").waitFor();
    await filter.fill('{ "data": { "region": { "$in": ["eu", "uk"] } } }');
    await page.getByRole("button", { name: "Test against the example event" }).click();
    await page.getByText("✓ Match: this endpoint would get the example job.created event.").waitFor();
    expect(await audit(page)).toEqual([]);

    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.getByText("shown this once").waitFor();
    await page.getByRole("button", { name: "I have stored the secret" }).click();
    await page.getByRole("heading", { name: "EU jobs only" }).waitFor();
    const id = decodeURIComponent(new URL(page.url()).hash.split("/").pop()!);
    expect((await fx.admin<any>("GET", `/endpoints/${id}`)).filter).toEqual({ data: { region: { $in: ["eu", "uk"] } } });

    // Edit shows it, and emptying the field removes it.
    await page.getByRole("button", { name: "Edit endpoint…" }).click();
    const edit = page.getByLabel(/^Filter/);
    expect(JSON.parse(await edit.inputValue())).toEqual({ data: { region: { $in: ["eu", "uk"] } } });
    await edit.fill("");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("✓ Changes saved.").waitFor();
    expect((await fx.admin<any>("GET", `/endpoints/${id}`)).filter).toBeNull();
    expectClean(w, fx.origin, session.token);
    await page.close();
  });
});
