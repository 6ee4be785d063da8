import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { BrowserContext } from "playwright-core";
import { startBinary, writeConfig, type Running } from "../support/binary.ts";
import { verifiesWith } from "../support/ed25519-receiver.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { launchChromium, skipBrowser, type Chromium } from "./chromium.ts";
import { adminApi, audit, expectClean, portalConfig, screenshot, watchedPage } from "./portal-support.ts";

setDefaultTimeout(60_000);

/**
 * The portal's Ed25519 signing (DESIGN §15), in chromium against the compiled binary: the scheme in the add form,
 * the public key shown after the create (no secret) and on the endpoint's page with a copy button, and a rotation
 * that shows the new public key; the keys are the ones the API reads and the ping verifies with.
 */
const skip = skipBrowser("portal ed25519 test");
const ADMIN = "portal-ed25519-admin-token-0123456789";

describe.skipIf(skip)("the portal's ed25519 signing", () => {
  let gateway: Running;
  let receiver: Receiver;
  let browser: Chromium | undefined;
  let context: BrowserContext;
  let admin: ReturnType<typeof adminApi>;
  let origin = "";

  beforeAll(async () => {
    receiver = startReceiver();
    gateway = await startBinary(writeConfig(portalConfig(ADMIN)));
    origin = new URL(gateway.url).origin;
    admin = adminApi(gateway.url, ADMIN);
    browser = await launchChromium();
    context = browser.context;
  }, 90_000);
  afterAll(async () => { await browser?.close(); await gateway?.stop(); receiver?.stop(); });

  test("add with the Ed25519 scheme: the public key, never a secret, with a copy button; a rotation shows the new key", async () => {
    const session = await admin<{ token: string }>("POST", "/tenants/acme/sessions", {});
    const w = await watchedPage(context);
    const { page } = w;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${origin}/portal#token=${session.token}`);
    await page.getByRole("heading", { name: "Endpoints" }).waitFor();
    await page.getByRole("link", { name: "Add endpoint" }).click();
    await page.getByLabel("URL").fill(receiver.url.replace("/hooks", "/ed25519"));
    await page.getByLabel("Description").fill("Signed with a key pair");
    await page.getByLabel(/order\.created/).check();
    await page.getByLabel("Signing scheme").selectOption("ed25519");
    await page.getByRole("button", { name: "Add endpoint" }).click();

    await page.getByRole("heading", { name: "Public key" }).waitFor();
    const shown = (await page.locator("#new-public-key").textContent())!;
    expect(shown).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect(await page.textContent("main")).not.toContain("shown this once");
    expect(await page.textContent("main")).not.toContain("whsk_");
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
    await page.getByRole("button", { name: "Copy public key" }).click();
    await page.getByText("Copied to the clipboard.").waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(shown);
    expect(await audit(page)).toEqual([]);

    // The ping the portal's create sent verifies with the key shown.
    const ping = receiver.requests.find((r) => r.path === "/ed25519")!;
    expect(await verifiesWith(shown, { id: ping.headers["webhook-id"]!, timestamp: ping.headers["webhook-timestamp"]!, signature: ping.headers["webhook-signature"]!, body: ping.body })).toBe(true);

    // The endpoint's page shows it at any time.
    await page.getByRole("button", { name: "Open the endpoint" }).click();
    await page.getByRole("heading", { name: "Signed with a key pair" }).waitFor();
    expect(await page.locator("#public-key").textContent()).toBe(shown);
    const id = decodeURIComponent(new URL(page.url()).hash.split("/").pop()!);
    expect((await admin<any>("GET", `/endpoints/${id}`)).signing.publicKey).toBe(shown);
    expect(await audit(page)).toEqual([]);
    await screenshot(page, "endpoint-public-key");

    // Rotate: the new key is shown and is the endpoint's key; the old one keeps signing for the grace.
    await page.getByLabel("Grace period for the old key").selectOption("3600");
    await page.getByRole("button", { name: "Rotate key" }).click();
    await page.locator("#new-public-key").waitFor();
    const rotated = (await page.locator("#new-public-key").textContent())!;
    expect(rotated).toMatch(/^whpk_/);
    expect(rotated).not.toBe(shown);
    expect(await page.textContent("main")).toContain("The old key keeps signing until");
    await page.waitForFunction((key: string) => (globalThis as any).document.getElementById("public-key")?.textContent === key, rotated);
    const keys = await admin<{ data: { publicKey: string; status: string }[] }>("GET", `/endpoints/${id}/public-keys`);
    expect(keys.data.map((k) => [k.status, k.publicKey])).toEqual([["current", rotated], ["previous", shown]]);
    // During the grace the endpoint's page shows the old key too (it still signs), with when it stops, and a copy button.
    await page.reload();
    await page.locator("#previous-public-key").waitFor();
    expect(await page.locator("#public-key").textContent()).toBe(rotated);
    expect(await page.locator("#previous-public-key").textContent()).toBe(shown);
    expect(await page.textContent("main")).toContain("The old key keeps signing until");
    await page.getByRole("button", { name: "Copy previous public key" }).waitFor();
    await screenshot(page, "endpoint-previous-public-key");
    expect(await audit(page)).toEqual([]);
    expect(await page.content()).not.toContain("whsk_");
    expect(await audit(page)).toEqual([]);
    expectClean(w, origin, session.token);
    await page.close();
  });
});
