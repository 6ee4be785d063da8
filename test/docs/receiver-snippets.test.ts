import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startReceiver, type Received, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";
import { startAdminApp, type AdminApp } from "../http/support.ts";

setDefaultTimeout(30_000);

/**
 * The receivers the docs show for `ed25519` (README: node:crypto; delivery.md: WebCrypto) run as written against a
 * real delivery: a doc whose code stops verifying fails here.
 */
const ROOT = resolve(import.meta.dir, "../..");

/** The first ```ts block after a heading. */
function snippet(file: string, heading: string): string {
  const text = readFileSync(join(ROOT, file), "utf8");
  const at = text.indexOf(heading);
  if (at < 0) throw new Error(`${file}: no heading "${heading}"`);
  const block = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
  if (!block) throw new Error(`${file}: no ts block after "${heading}"`);
  return block[1]!;
}

let app: AdminApp;
let receiver: Receiver;
let dir: string;
let publicKey = "";
let delivery: Received;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hookgate-snippets-"));
  receiver = startReceiver();
  app = await startAdminApp();
  const created = await app.api("POST", "/endpoints", { url: receiver.url, events: ["doc.*"], signing: { scheme: "ed25519" }, verify: false });
  publicKey = created.body.signing.publicKey;
  expect((await app.post({ type: "doc.checked", data: { text: "grüße" } })).status).toBe(202);
  await waitFor(() => receiver.requests.length > 0, { what: "the delivery" });
  delivery = receiver.requests[0]!;
});
afterAll(async () => { await app.close(); receiver.stop(); rmSync(dir, { recursive: true, force: true }); });

const headersOf = (r: Received, change: Record<string, string> = {}) => new Headers({ ...r.headers, ...change });

async function check(source: string, name: string): Promise<(headers: Headers, body: string) => boolean | Promise<boolean>> {
  const file = join(dir, name);
  writeFileSync(file, source);
  process.env.HOOKGATE_PUBLIC_KEY = publicKey;
  try { return (await import(file)).fromHookgate; } finally { delete process.env.HOOKGATE_PUBLIC_KEY; }
}

test.each([
  ["README.md", "## Signatures your receivers verify with a public key", (code: string) => code],
  ["docs/concepts/delivery.md", "### Verifying", (code: string) => `const PUBLIC_KEY = process.env.HOOKGATE_PUBLIC_KEY!;\n${code}\nexport { fromHookgate };\n`],
])("the receiver in %s verifies a real delivery and refuses a tampered body, id, timestamp or signature", async (file, heading, wrap) => {
  const fromHookgate = await check(wrap(snippet(file, heading)), `${file.replace(/\W/g, "-")}.ts`);
  expect(await fromHookgate(headersOf(delivery), delivery.body)).toBe(true);
  expect(await fromHookgate(headersOf(delivery), delivery.body.replace("grüße", "grusse"))).toBe(false);
  expect(await fromHookgate(headersOf(delivery, { "webhook-id": `${delivery.headers["webhook-id"]}x` }), delivery.body)).toBe(false);
  expect(await fromHookgate(headersOf(delivery, { "webhook-timestamp": String(Number(delivery.headers["webhook-timestamp"]) - 1) }), delivery.body)).toBe(false);
  expect(await fromHookgate(headersOf(delivery, { "webhook-signature": `v1,${delivery.headers["webhook-signature"]!.slice(4)}` }), delivery.body)).toBe(false);
});
