import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { generateKeyPair } from "../../src/core/ed25519.ts";
import { ensureBinary, runBinary, startBinary, writeConfig, type Running } from "../support/binary.ts";
import { verifyWithNode, verifyWithWebCrypto, type SignedRequest } from "../support/ed25519-receiver.ts";
import { waitFor } from "../support/wait.ts";

// The compiled binary, started twice, and a receiver on a shared 2-core machine.
setDefaultTimeout(90_000);

const ADMIN = "binary-admin-token-0123456789";
const INGEST = "binary-ingest-token-0123456789";

/**
 * A receiver of its own, as a customer writes it: it holds only the public keys it was given, verifies each
 * delivery with node:crypto and with WebCrypto, and answers 401 when either fails.
 */
interface Verdict { type: string; request: SignedRequest; node: boolean; web: boolean }
const keys: string[] = [];
const verdicts: Verdict[] = [];
const server = Bun.serve({
  hostname: "127.0.0.1", port: 0,
  async fetch(req) {
    const body = await req.text();
    const request: SignedRequest = { id: req.headers.get("webhook-id") ?? "", timestamp: req.headers.get("webhook-timestamp") ?? "", signature: req.headers.get("webhook-signature") ?? "", body };
    const node = keys.some((key) => verifyWithNode(key, request));
    let web = false;
    for (const key of keys) web ||= await verifyWithWebCrypto(key, request);
    verdicts.push({ type: req.headers.get("webhook-event") ?? "", request, node, web });
    return new Response(null, { status: node && web ? 204 : 401 });
  },
});
afterAll(() => server.stop(true));
const receiverUrl = `http://127.0.0.1:${server.port}/hooks`;

const own = generateKeyPair();
const CONFIG = `import { defineConfig, env } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: "${ADMIN}" }] },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${INGEST}", events: ["*"] }] }],
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], schedule: ["1s"], jitter: 0 },
  endpoints: [
    { id: "made", url: "${receiverUrl}", events: ["made.*"], signing: { scheme: "ed25519" } },
    { id: "given", url: "${receiverUrl}", events: ["given.*"], secret: env("SIGNING_KEY"), signing: { scheme: "ed25519" } },
  ],
});
`;

let config = "";
let running: Running | null = null;
beforeAll(async () => { await ensureBinary(); config = writeConfig(CONFIG); });
afterAll(async () => { await running?.stop(); rmSync(dirname(config), { recursive: true, force: true }); });

const env = { SIGNING_KEY: own.privateKey, HOOKGATE_MASTER_KEY: "" };
const api = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${running!.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json() as any };
};
/** Ingests one event and waits for the receiver's verdict on it. */
async function send(type: string): Promise<Verdict> {
  const response = await fetch(`${running!.url}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${INGEST}`, "content-type": "application/json" }, body: JSON.stringify({ type, data: { type, note: "grüße" } }) });
  expect(response.status).toBe(202);
  await waitFor(() => verdicts.some((v) => v.type === type), { timeoutMs: 15_000, what: `the delivery of ${type}` });
  return verdicts.find((v) => v.type === type)!;
}

describe("the compiled binary signs with Ed25519 (v1a), verified by a receiver with the public key alone", () => {
  let made = "";

  test("a config endpoint's generated key and a key from the config sign deliveries both verifiers accept", async () => {
    running = await startBinary(config, env);
    made = (await api("GET", "/endpoints/made")).body.signing.publicKey;
    expect(made).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect((await api("GET", "/endpoints/given")).body.signing.publicKey).toBe(own.publicKey);
    keys.push(made, own.publicKey);
    for (const type of ["made.one", "given.one"]) {
      const verdict = await send(type);
      expect(verdict.request.signature).toMatch(/^v1a,/);
      expect(verdict).toEqual(expect.objectContaining({ node: true, web: true }));
    }
    // The receiver's answer is what hookgate recorded: the delivery succeeded.
    await waitFor(async () => (await api("GET", "/deliveries?endpoint=made")).body.data.every((d: { status: string }) => d.status === "succeeded"));
    expect(running.output()).not.toContain(own.privateKey.slice(5));
  });

  test("a tampered body, id or timestamp fails both verifiers", async () => {
    const { request } = verdicts.find((v) => v.type === "made.one")!;
    for (const tampered of [{ ...request, body: request.body.replace("grüße", "gruesse") }, { ...request, id: `${request.id}0` }, { ...request, timestamp: String(Number(request.timestamp) - 1) }]) {
      expect(verifyWithNode(made, tampered)).toBe(false);
      expect(await verifyWithWebCrypto(made, tampered)).toBe(false);
    }
  });

  test("after a restart the generated key is the same and still signs", async () => {
    expect(await running!.stop()).toBe(0);
    running = await startBinary(config, env);
    expect((await api("GET", "/endpoints/made")).body.signing.publicKey).toBe(made);
    expect(await send("made.after-restart")).toEqual(expect.objectContaining({ node: true, web: true }));
  });

  test("an API endpoint's rotation: both keys sign during the grace, and the receiver that knows only the old key still verifies", async () => {
    const created = await api("POST", "/endpoints", { url: receiverUrl, events: ["api.*"], signing: { scheme: "ed25519" }, verify: false });
    expect(created.status).toBe(201);
    const first: string = created.body.signing.publicKey;
    keys.splice(0, keys.length, first); // this receiver knows only the endpoint's first key
    expect(await send("api.before")).toEqual(expect.objectContaining({ node: true, web: true }));
    const rotated = await api("POST", `/endpoints/${created.body.id}/rotate-secret`, { graceSeconds: 600 });
    expect(rotated.body.publicKey).not.toBe(first);
    expect(JSON.stringify(rotated.body)).not.toContain("whsk_");
    const during = await send("api.during");
    expect(during.request.signature.split(" ")).toHaveLength(2);
    expect(during).toEqual(expect.objectContaining({ node: true, web: true }));
    expect(verifyWithNode(rotated.body.publicKey, during.request)).toBe(true);
    expect((await api("GET", `/endpoints/${created.body.id}/public-keys`)).body.data.map((k: { status: string }) => k.status)).toEqual(["current", "previous"]);
  });

  test("hookgate check names a bad whsk_ key's path and the fix", async () => {
    const { code, stderr } = await runBinary(["check", "--config", config], { SIGNING_KEY: "whsk_dG9vIHNob3J0" });
    expect(code).toBe(1);
    expect(stderr).toContain('endpoints[1].secret: must be "whsk_" + base64 of a 32-byte Ed25519 private key (leave it out and hookgate generates one)');
    const hmac = await runBinary(["check", "--config", config], { SIGNING_KEY: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" });
    expect(hmac.code).toBe(1);
    expect(hmac.stderr).toContain("endpoints[1].secret: must be");
  });
});
