import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { BrowserContext } from "playwright-core";
import { startBinary, writeConfig, type Running } from "../support/binary.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";
import { launchChromium, skipBrowser, type Chromium } from "./chromium.ts";
import { adminApi, audit, expectClean, watchedPage } from "./portal-support.ts";

setDefaultTimeout(90_000);
// The page's globals inside page.evaluate (the tests compile without the DOM library).
declare const document: any;

/**
 * Ordered delivery in the portal (issue 26), in chromium against the compiled binary: "Deliver in order" with its
 * longest hold-up in the add and edit forms (checked like the API checks it, saved as `ordering.maxBlock`), the
 * endpoint page says how it delivers, and the delivery log shows the ordering key and a delivery that waits for it.
 */
const skip = skipBrowser("portal ordering test");
const ADMIN = "portal-ordering-admin-token-0123456789";
const INGEST = "portal-ordering-ingest-token-0123456789";

const config = `import { defineConfig, v } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: "${ADMIN}" }] },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "app", token: "${INGEST}", events: ["*"] }] }],
  events: { "order.updated": { description: "An order changed", schema: v.object({ orderId: v.string(), n: v.number() }) } },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], schedule: ["1h"] },
  tenants: { allowNetworks: ["127.0.0.0/8"], requestsPerSecond: 10000 },
});
`;

describe.skipIf(skip)("the portal's ordered delivery", () => {
  let gateway: Running;
  let receiver: Receiver;
  let admin: ReturnType<typeof adminApi>;
  let origin: string;
  let browser: Chromium | undefined;
  let context: BrowserContext;

  beforeAll(async () => {
    receiver = startReceiver((req) => new Response(req.path.includes("/failing") ? "down" : "ok", { status: req.path.includes("/failing") ? 500 : 200 }));
    gateway = await startBinary(writeConfig(config));
    admin = adminApi(gateway.url, ADMIN);
    await admin("PUT", "/tenants/acme", { name: "Acme Inc" });
    origin = new URL(gateway.url).origin;
    browser = await launchChromium();
    context = browser.context;
  }, 180_000);
  afterAll(async () => { await browser?.close(); await gateway?.stop(); receiver?.stop(); });

  const open = async (path: string) => {
    const session = await admin<{ token: string }>("POST", "/tenants/acme/sessions", { scopes: ["read", "write"] });
    const w = await watchedPage(context);
    await w.page.setViewportSize({ width: 1280, height: 860 });
    await w.page.goto(`${origin}/portal#token=${session.token}`);
    await w.page.getByRole("heading", { name: "Endpoints" }).waitFor();
    await w.page.goto(`${origin}/portal#${path}`);
    return { ...w, token: session.token };
  };

  test("add with order: a bad hold-up is refused at its field; saved as ordering.maxBlock; edit turns it off and on", async () => {
    const w = await open("/new");
    const { page } = w;
    await page.getByRole("heading", { name: "Add endpoint" }).waitFor();
    await page.getByLabel("URL").fill(`${receiver.url}/ordered`);
    await page.getByLabel("Description", { exact: true }).fill("Order sync");
    await page.getByLabel(/order\.updated/).check();
    expect(await page.getByLabel("Longest hold-up by one event").count()).toBe(0); // only with the box checked
    await page.getByLabel("Deliver in order").check();
    const maxBlock = page.getByLabel("Longest hold-up by one event");
    expect(await maxBlock.inputValue()).toBe("1h");

    for (const bad of ["0s", "soon", ""]) {
      await maxBlock.fill(bad);
      await page.getByRole("button", { name: "Add endpoint" }).click();
      await page.locator("#ep-ordering-max-block-error").waitFor();
      expect(await page.locator("#ep-ordering-max-block-error").textContent()).toContain("Enter a time above zero, like 30m, 1h or 2d");
      expect(await maxBlock.getAttribute("aria-invalid")).toBe("true");
      expect(await maxBlock.getAttribute("aria-describedby")).toContain("ep-ordering-max-block-error");
      expect(await page.evaluate(() => document.activeElement.id)).toBe("ep-ordering-max-block");
    }
    expect(receiver.requests.some((r) => r.path.endsWith("/ordered"))).toBe(false); // nothing was sent for it

    await maxBlock.fill("90m");
    expect(await audit(page)).toEqual([]);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.getByText("shown this once").waitFor();
    await page.getByRole("button", { name: "I have stored the secret" }).click();
    await page.getByRole("heading", { name: "Order sync" }).waitFor();
    const id = decodeURIComponent(new URL(page.url()).hash.split("/").pop()!);
    expect((await admin<any>("GET", `/endpoints/${id}`)).ordering).toEqual({ maxBlock: "90m" });
    await page.getByText("In order: events with the same ordering key arrive one after another; one that keeps failing holds up the rest for at most 90 minutes").waitFor();

    // Edit shows it; unchecking removes it.
    await page.getByRole("button", { name: "Edit endpoint…" }).click();
    expect(await page.getByLabel("Deliver in order").isChecked()).toBe(true);
    expect(await page.getByLabel("Longest hold-up by one event").inputValue()).toBe("90m");
    await page.getByLabel("Deliver in order").uncheck();
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("✓ Changes saved.").waitFor();
    expect((await admin<any>("GET", `/endpoints/${id}`)).ordering).toBeNull();
    await page.getByText("As fast as possible, in any order").waitFor();

    // On again: the default hold-up is offered, a bad one refused at its field, a good one saved.
    await page.getByRole("button", { name: "Edit endpoint…" }).click();
    await page.getByLabel("Deliver in order").check();
    expect(await page.getByLabel("Longest hold-up by one event").inputValue()).toBe("1h");
    await page.getByLabel("Longest hold-up by one event").fill("-1h");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.locator("#edit-ordering-max-block-error").waitFor();
    expect(await page.getByLabel("Longest hold-up by one event").getAttribute("aria-invalid")).toBe("true");
    // The API's own refusal (422 at ordering.maxBlock) lands at the same field in the same words: the request is
    // changed on its way to carry a value the form would have refused.
    let refused = 0;
    await page.route("**/api/v1/endpoints/*", async (route) => {
      if (route.request().method() !== "PATCH") return route.continue();
      const answer = await route.fetch({ postData: JSON.stringify({ ...route.request().postDataJSON(), ordering: { maxBlock: "soon" } }) });
      if (answer.status() === 422) refused++;
      await route.fulfill({ response: answer });
    });
    await page.getByLabel("Longest hold-up by one event").fill("3h");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.locator("#edit-ordering-max-block-error").waitFor();
    expect(refused).toBe(1);
    expect(await page.locator("#edit-ordering-max-block-error").textContent()).toContain("Enter a time above zero, like 30m, 1h or 2d");
    expect(await page.getByLabel("Longest hold-up by one event").getAttribute("aria-invalid")).toBe("true");
    await page.unrouteAll();
    await page.getByLabel("Longest hold-up by one event").fill("2d");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("✓ Changes saved.").waitFor();
    expect((await admin<any>("GET", `/endpoints/${id}`)).ordering).toEqual({ maxBlock: "2d" });
    await page.getByText(/holds up the rest for at most 2 days/).waitFor();
    expectClean(w, origin, w.token, /status of 422/); // the refusal made on purpose above
    await page.close();
  });

  test("the delivery log shows the ordering key, and a delivery that waits for an earlier event of its key", async () => {
    const endpoint = await admin<{ id: string }>("POST", "/endpoints", {
      url: `${receiver.url}/failing`, events: ["order.updated"], description: "Failing ERP", tenant: "acme", verify: false, ordering: { maxBlock: "1h" },
    });
    const events = [1, 2].map((n) => ({ type: "order.updated", tenant: "acme", orderingKey: "order-7", data: { orderId: "o-7", n } }));
    const ingested = await fetch(`${gateway.url}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${INGEST}`, "content-type": "application/json" }, body: JSON.stringify(events) });
    expect(ingested.status).toBe(202);
    // The first fails and waits an hour to retry (schedule ["1h"]); the second waits for it, with no time of its own.
    type Listed = { data: { status: string; nextAttemptAt: string | null; orderingKey: string | null; attempts: unknown[] }[] };
    await waitFor(async () => (await admin<Listed>("GET", `/deliveries?endpoint=${endpoint.id}`)).data.some((d) => d.attempts.length === 1), { timeoutMs: 10_000, what: "the first attempt" });
    const listed = (await admin<Listed>("GET", `/deliveries?endpoint=${endpoint.id}`)).data;
    expect(listed.map((d) => [d.status, d.nextAttemptAt === null, d.orderingKey])).toEqual([["pending", true, "order-7"], ["retrying", false, "order-7"]]);

    const w = await open(`/deliveries?endpoint=${encodeURIComponent(endpoint.id)}`);
    const { page } = w;
    await page.getByRole("heading", { name: "Deliveries" }).waitFor();
    const rows = page.locator("li.delivery > details > summary");
    await waitFor(async () => (await rows.count()) === 2, { timeoutMs: 10_000, what: "two deliveries listed" });
    const [waiting, head] = [await rows.nth(0).innerText(), await rows.nth(1).innerText()];
    expect(waiting).toContain("key order-7");
    expect(waiting).toContain("waiting for an earlier event of its ordering key");
    expect(head).toContain("key order-7");
    expect(head).not.toContain("waiting for an earlier event");
    await rows.nth(0).click();
    const body = page.locator("li.delivery > details > .delivery-body").first();
    await body.waitFor();
    expect(await body.innerText()).toContain("ordering key order-7 · waiting for an earlier event of its ordering key");
    expect(await audit(page)).toEqual([]);
    expectClean(w, origin, w.token);
    await page.close();
  });
});
