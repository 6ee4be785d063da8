import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { BrowserContext } from "playwright-core";
import { startBinary, writeConfig, type Running } from "../support/binary.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { launchChromium, skipBrowser, type Chromium } from "./chromium.ts";
import { adminApi, audit, expectClean, portalConfig, watchedPage } from "./portal-support.ts";

setDefaultTimeout(60_000);

/**
 * A read-only session (`scopes: ["read"]`) in chromium against the compiled binary: it sees endpoints and
 * deliveries and is told it may not change them, and no button the API would refuse with 403 is offered.
 * A read-and-write session on the same endpoint still gets every action.
 */
const skip = skipBrowser("portal read-only browser test");
const ADMIN = "portal-admin-token-0123456789";
// "Edit endpoint…" opens the edit form (its "Save changes" is behind it).
const WRITES = ["Add endpoint", "Disable endpoint", "Edit endpoint…", "Send test event", "Rotate secret", "Recover", "Delete endpoint…"];

describe.skipIf(skip)("the portal with a read-only session", () => {
  let gateway: Running;
  let receiver: Receiver;
  let context: BrowserContext;
  let browser: Chromium | undefined;
  let origin: string;
  let endpointId: string;

  beforeAll(async () => {
    receiver = startReceiver(() => new Response("ok"));
    gateway = await startBinary(writeConfig(portalConfig(ADMIN)));
    origin = new URL(gateway.url).origin;
    const admin = adminApi(gateway.url, ADMIN);
    endpointId = (await admin<{ id: string }>("POST", "/endpoints", { url: receiver.url, events: ["order.*"], description: "Orders", tenant: "acme", verify: false })).id;
    await admin("POST", `/endpoints/${endpointId}/test`, { type: "order.created" });
    browser = await launchChromium();
    context = browser.context;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    receiver?.stop();
  });

  const open = async (scopes: string[]) => {
    const session = await adminApi(gateway.url, ADMIN)<{ token: string }>("POST", "/tenants/acme/sessions", { scopes });
    const w = await watchedPage(context);
    await w.page.goto(`${origin}/portal#token=${session.token}`);
    await w.page.getByRole("heading", { name: "Endpoints" }).waitFor();
    return { w, token: session.token };
  };
  const offered = async (page: import("playwright-core").Page) => {
    const names = [...(await page.getByRole("button").allTextContents()), ...(await page.getByRole("link").allTextContents())].map((t) => t.trim());
    return WRITES.filter((name) => names.includes(name));
  };

  test("sees its endpoint and deliveries, is told it is read-only, and is offered no change", async () => {
    const { w, token } = await open(["read"]);
    const { page } = w;
    expect(await page.locator(".read-only").textContent()).toBe("Read-only");
    expect(await page.getByRole("link", { name: "Add endpoint" }).count()).toBe(0);
    await page.getByRole("link", { name: "Orders", exact: true }).click();
    await page.getByText("Your access is read-only").waitFor();
    expect(await offered(page)).toEqual([]);
    expect(await audit(page)).toEqual([]);
    await page.getByRole("link", { name: "Deliveries", exact: true }).click();
    await page.locator("li.delivery summary").first().click();
    await page.getByText("No attempt yet.").or(page.locator(".delivery-body .attempt").first()).first().waitFor();
    expect(await page.getByRole("button", { name: /Retry now/ }).count()).toBe(0);
    await page.goto(`${origin}/portal#/new`);
    await page.getByText("ask for a link with write access to add an endpoint").waitFor();
    expect(await page.locator("form").count()).toBe(0);
    expectClean(w, origin, token);
    await page.close();
  });

  test("a session with write access on the same endpoint is offered every action", async () => {
    const { w, token } = await open(["read", "write"]);
    const { page } = w;
    expect(await page.locator(".read-only").count()).toBe(0);
    await page.getByRole("link", { name: "Orders", exact: true }).click();
    await page.getByRole("button", { name: "Rotate secret" }).waitFor();
    expect((await offered(page)).sort()).toEqual(WRITES.filter((n) => n !== "Add endpoint").sort());
    await page.getByRole("link", { name: "Deliveries", exact: true }).click();
    await page.locator("li.delivery summary").first().click();
    await page.getByRole("button", { name: /Retry now/ }).first().waitFor();
    expectClean(w, origin, token);
    await page.close();
  });
});
