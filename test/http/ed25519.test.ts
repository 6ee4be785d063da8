import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { builtinPlugins } from "../../plugins/index.ts";
import { generateKeyPair } from "../../src/core/ed25519.ts";
import { resolveConfig } from "../../src/config/load.ts";
import { startReceiver, type Received, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";
import { waitFor } from "../support/wait.ts";
import { verifiesWith, type SignedRequest } from "../support/ed25519-receiver.ts";
import { adminClient, adminConfig, expectProblem, sessionOf, startAdminApp, type AdminApp } from "./support.ts";

// Servers and receivers on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

/** The signed parts of a delivery as a receiver sees them. */
const signed = (r: Received): SignedRequest => ({ id: r.headers["webhook-id"]!, timestamp: r.headers["webhook-timestamp"]!, signature: r.headers["webhook-signature"]!, body: r.body });

let app: AdminApp;
let receiver: Receiver;
let logs: string[];
let here = "";
let tests = 0;
const mine = () => receiver.requests.filter((r) => new URL(r.path, "http://x").pathname === new URL(here).pathname);

beforeAll(async () => {
  receiver = startReceiver();
  logs = [];
  app = await startAdminApp({}, { logs });
});
afterAll(async () => { await app.close(); receiver.stop(); });
beforeEach(() => { receiver.respond(() => new Response("ok")); here = `${receiver.url}/ed${++tests}`; });

const create = (body: Record<string, unknown> = {}) => app.api("POST", "/endpoints", { url: here, events: ["*"], signing: { scheme: "ed25519" }, ...body });

/** Ingests one event and waits for this test's receiver path to get it; answers the delivery. */
async function deliverOne(type = "job.completed"): Promise<Received> {
  const before = mine().length;
  const response = await app.post({ type, data: { n: before, text: "grüße" } });
  expect(response.status).toBe(202);
  await waitFor(() => mine().some((r) => r.headers["webhook-event"] === type && mine().indexOf(r) >= before));
  return mine().slice(before).find((r) => r.headers["webhook-event"] === type)!;
}

/** The sealed secret and public key as the store keeps them. */
const rowOf = (id: string) => dbOf(app.store).selectFrom("endpoints").select(["secret", "previous_secret", "public_key", "previous_public_key"]).where("id", "=", id).executeTakeFirstOrThrow();

describe("an ed25519 endpoint (DESIGN §15)", () => {
  test("created with a generated key pair: no secret in the answer, signing.publicKey at any time, the ping verifies with it alone", async () => {
    const created = await create();
    expect(created.status).toBe(201);
    const endpoint = created.body;
    expect(endpoint.signingSecret).toBeUndefined();
    expect(endpoint.signing).toEqual({ scheme: "ed25519", header: null, publicKey: expect.stringMatching(/^whpk_[A-Za-z0-9+/]{43}=$/) });
    const publicKey: string = endpoint.signing.publicKey;
    // The verification ping was a real v1a delivery.
    const ping = mine()[0]!;
    expect(ping.headers["webhook-signature"]).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(await verifiesWith(publicKey, signed(ping))).toBe(true);

    expect((await app.api("GET", `/endpoints/${endpoint.id}`)).body.signing.publicKey).toBe(publicKey);
    const listed = (await app.api("GET", "/endpoints?limit=100")).body.data.find((e: { id: string }) => e.id === endpoint.id);
    expect(listed.signing.publicKey).toBe(publicKey);
    expect((await app.api("GET", `/endpoints/${endpoint.id}/public-keys`)).body).toEqual({ data: [{ publicKey, status: "current", expiresAt: null }] });

    // Stored sealed: the row holds no whsk_ key, and its public key is the one shown.
    const row = await rowOf(endpoint.id);
    expect(row.secret).toStartWith("enc:v1:");
    expect(row.public_key).toBe(publicKey);
    const opened = app.registry.codec.decrypt(row.secret!);
    expect(opened).toStartWith("whsk_");
    expect(row.secret).not.toContain(opened.slice(5));
  });

  test("a delivery verifies with node:crypto and WebCrypto; a tampered body, id or timestamp fails", async () => {
    const endpoint = (await create()).body;
    const delivery = signed(await deliverOne());
    expect(await verifiesWith(endpoint.signing.publicKey, delivery)).toBe(true);
    expect(await verifiesWith(endpoint.signing.publicKey, { ...delivery, body: delivery.body.replace("grüße", "grusse") })).toBe(false);
    expect(await verifiesWith(endpoint.signing.publicKey, { ...delivery, id: `${delivery.id}x` })).toBe(false);
    expect(await verifiesWith(endpoint.signing.publicKey, { ...delivery, timestamp: String(Number(delivery.timestamp) + 1) })).toBe(false);
    expect(await verifiesWith(generateKeyPair().publicKey, delivery)).toBe(false);
  });

  test("a whsk_ key of one's own: its public key is shown and signs; a bad one is a 422 naming secret and the fix", async () => {
    const own = generateKeyPair();
    const created = await create({ secret: own.privateKey });
    expect(created.status).toBe(201);
    expect(created.body.signing.publicKey).toBe(own.publicKey);
    expect(JSON.stringify(created.body)).not.toContain(own.privateKey.slice(5));
    expect(await verifiesWith(own.publicKey, signed(await deliverOne()))).toBe(true);
    // Sealed at rest: the key given is nowhere in the row.
    const row = await rowOf(created.body.id);
    expect(JSON.stringify(row)).not.toContain(own.privateKey.slice(5));

    const bad = expectProblem(await create({ secret: "whsk_c2hvcnQ=" }), 422);
    expect(bad.errors).toEqual([{ path: "secret", message: expect.stringContaining('"whsk_" + base64 of a 32-byte Ed25519 private key') }]);
    const hmac = expectProblem(await create({ secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }), 422);
    expect(hmac.errors[0].path).toBe("secret");
    const wrongWay = expectProblem(await app.api("POST", "/endpoints", { url: here, events: ["*"], secret: own.privateKey }), 422);
    expect(wrongWay.errors[0].message).toContain('signing: { scheme: "ed25519" }');
  });

  test("rotation: v1a,<new> v1a,<old> during the grace, both keys listed; after it only the new key signs", async () => {
    const endpoint = (await create()).body;
    const old: string = endpoint.signing.publicKey;
    const rotated = await app.api("POST", `/endpoints/${endpoint.id}/rotate-secret`, { graceSeconds: 3 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.signingSecret).toBeUndefined();
    const fresh: string = rotated.body.publicKey;
    expect(fresh).toMatch(/^whpk_/);
    expect(fresh).not.toBe(old);
    const until = Date.parse(rotated.body.previousSecretExpiresAt);
    expect((await app.api("GET", `/endpoints/${endpoint.id}`)).body.signing.publicKey).toBe(fresh);
    expect((await app.api("GET", `/endpoints/${endpoint.id}/public-keys`)).body.data).toEqual([
      { publicKey: fresh, status: "current", expiresAt: null },
      { publicKey: old, status: "previous", expiresAt: new Date(until).toISOString() },
    ]);

    const during = signed(await deliverOne());
    const parts = during.signature.split(" ");
    expect(parts).toHaveLength(2);
    expect(await verifiesWith(fresh, { ...during, signature: parts[0]! })).toBe(true);
    expect(await verifiesWith(old, { ...during, signature: parts[1]! })).toBe(true);
    expect(await verifiesWith(old, during)).toBe(true);

    await waitFor(() => Date.now() > until + 50, { timeoutMs: 10_000 });
    const after = signed(await deliverOne());
    expect(after.signature.split(" ")).toHaveLength(1);
    expect(await verifiesWith(fresh, after)).toBe(true);
    expect(await verifiesWith(old, after)).toBe(false);
    expect((await app.api("GET", `/endpoints/${endpoint.id}/public-keys`)).body.data).toEqual([{ publicKey: fresh, status: "current", expiresAt: null }]);
  });

  test("rotating to a whsk_ key of one's own; a bad one changes nothing", async () => {
    const endpoint = (await create()).body;
    const own = generateKeyPair();
    const bad = expectProblem(await app.api("POST", `/endpoints/${endpoint.id}/rotate-secret`, { secret: "whsk_AAAA" }), 422);
    expect(bad.errors[0].path).toBe("secret");
    expect((await app.api("GET", `/endpoints/${endpoint.id}`)).body.signing.publicKey).toBe(endpoint.signing.publicKey);
    const rotated = await app.api("POST", `/endpoints/${endpoint.id}/rotate-secret`, { secret: own.privateKey, graceSeconds: 0 });
    expect(rotated.body).toEqual({ publicKey: own.publicKey, graceSeconds: 0, previousSecretExpiresAt: null });
    expect((await app.api("GET", `/endpoints/${endpoint.id}/public-keys`)).body.data).toEqual([{ publicKey: own.publicKey, status: "current", expiresAt: null }]);
    const delivery = signed(await deliverOne());
    expect(delivery.signature.split(" ")).toHaveLength(1);
    expect(await verifiesWith(own.publicKey, delivery)).toBe(true);
  });

  test("switching schemes: standard → ed25519 makes a key pair; ed25519 → standard a new whsec_; via none the key is kept", async () => {
    const created = (await app.api("POST", "/endpoints", { url: here, events: ["*"] })).body;
    expect((await app.api("GET", `/endpoints/${created.id}/public-keys`)).body).toEqual({ data: [] });

    const toEd = await app.api("PATCH", `/endpoints/${created.id}`, { signing: { scheme: "ed25519" } });
    expect(toEd.status).toBe(200);
    expect(toEd.body.signingSecret).toBeUndefined();
    const publicKey: string = toEd.body.signing.publicKey;
    expect(publicKey).toMatch(/^whpk_/);
    expect(await verifiesWith(publicKey, signed(await deliverOne()))).toBe(true);

    const toNone = await app.api("PATCH", `/endpoints/${created.id}`, { signing: { scheme: "none" } });
    expect(toNone.body.signing).toEqual({ scheme: "none", header: null });
    expect((await deliverOne()).headers["webhook-signature"]).toBeUndefined();
    const back = await app.api("PATCH", `/endpoints/${created.id}`, { signing: { scheme: "ed25519" } });
    expect(back.body.signing.publicKey).toBe(publicKey);
    expect(await verifiesWith(publicKey, signed(await deliverOne()))).toBe(true);

    const toStandard = await app.api("PATCH", `/endpoints/${created.id}`, { signing: { scheme: "standard" } });
    expect(toStandard.body.signingSecret).toStartWith("whsec_");
    expect(toStandard.body.signing).toEqual({ scheme: "standard", header: null });
    const delivery = await deliverOne();
    expect(() => new Webhook(toStandard.body.signingSecret).verify(delivery.body, delivery.headers)).not.toThrow();
    expect((await app.api("GET", `/endpoints/${created.id}/public-keys`)).body).toEqual({ data: [] });
    expect((await rowOf(created.id)).public_key).toBeNull();
  });

  test("public keys are the tenant's own: another tenant's session gets 404 as for an unknown id; its own reads them", async () => {
    const endpoint = (await create({ tenant: "acme" })).body;
    const other = await sessionOf(app, "globex", ["read"]);
    expectProblem(await app.api("GET", `/endpoints/${endpoint.id}/public-keys`, undefined, other), 404);
    expectProblem(await app.api("GET", "/endpoints/ep_unknown/public-keys", undefined, other), 404);
    const own = await sessionOf(app, "acme", ["read"]);
    expect((await app.api("GET", `/endpoints/${endpoint.id}/public-keys`, undefined, own)).body.data[0].publicKey).toBe(endpoint.signing.publicKey);
  });

  test("a renamed header carries the v1a signature", async () => {
    const endpoint = (await create({ signing: { scheme: "ed25519", header: "x-signature" } })).body;
    const r = await deliverOne();
    expect(r.headers["webhook-signature"]).toBeUndefined();
    expect(await verifiesWith(endpoint.signing.publicKey, { ...signed(r), signature: r.headers["x-signature"]! })).toBe(true);
  });

  test("no private key in any answer, attempt log or OpenAPI example", async () => {
    const own = generateKeyPair();
    const endpoint = (await create({ secret: own.privateKey })).body;
    await app.api("POST", `/endpoints/${endpoint.id}/rotate-secret`, { graceSeconds: 60 });
    await deliverOne();
    const answers = [
      await app.api("GET", `/endpoints/${endpoint.id}`), await app.api("GET", "/endpoints?limit=100"),
      await app.api("GET", `/deliveries?endpoint=${endpoint.id}`), await app.api("GET", `/endpoints/${endpoint.id}/public-keys`),
      await app.api("POST", `/endpoints/${endpoint.id}/test`, {}),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(JSON.stringify(answer.body)).not.toContain("whsk_");
      expect(JSON.stringify(answer.body)).not.toContain(own.privateKey.slice(5));
    }
    // Nor in a log line (the audit lines of the create and the rotation included).
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join("\n")).not.toContain("whsk_");
    expect(logs.join("\n")).not.toContain(own.privateKey.slice(5));
    const openapi = await (await fetch(`${app.url}/docs/json`)).json() as any;
    expect(openapi.paths["/api/v1/endpoints/{id}/public-keys"].get).toBeDefined();
    expect(JSON.stringify(openapi.paths["/api/v1/endpoints/{id}"].get)).toContain("publicKey");
  });
});

describe("keys across restarts (SQLite)", () => {
  const dirs: string[] = [];
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

  test("a config endpoint's generated key and an API endpoint's key survive a restart and a reload; a key from the config is used as given", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-ed25519-"));
    dirs.push(dir);
    const own = generateKeyPair();
    const config = {
      endpoints: [
        { id: "made", url: `${receiver.url}/made`, events: ["made.*"], signing: { scheme: "ed25519" as const } },
        { id: "given", url: `${receiver.url}/given`, events: ["given.*"], secret: own.privateKey, signing: { scheme: "ed25519" as const } },
      ],
    };
    let gateway = await startAdminApp(config, { dir });
    const api = adminClient(gateway.url);
    const made: string = (await api("GET", "/endpoints/made")).body.signing.publicKey;
    expect(made).toMatch(/^whpk_/);
    expect((await api("GET", "/endpoints/given")).body.signing.publicKey).toBe(own.publicKey);
    const apiMade = (await api("POST", "/endpoints", { url: `${receiver.url}/api-made`, events: ["api.*"], signing: { scheme: "ed25519" }, verify: false })).body;

    await gateway.close();
    gateway = await startAdminApp(config, { dir });
    const again = adminClient(gateway.url);
    expect((await again("GET", "/endpoints/made")).body.signing.publicKey).toBe(made);
    expect((await again("GET", `/endpoints/${apiMade.id}`)).body.signing.publicKey).toBe(apiMade.signing.publicKey);

    // A reload reconciles the config's endpoints again: the generated key stays.
    const reloaded = await resolveConfig({ ...adminConfig(config), store: { sqlite: join(dir, "hookgate.db") } }, join(dir, "webhooks.config.ts"), builtinPlugins);
    if (!reloaded.ok) throw new Error(JSON.stringify(reloaded.problems));
    await gateway.reload(reloaded.loaded);
    expect((await again("GET", "/endpoints/made")).body.signing.publicKey).toBe(made);

    const at = (path: string) => receiver.requests.filter((r) => r.path === `/hooks${path}`);
    for (const [type, path, key] of [["made.x", "/made", made], ["given.x", "/given", own.publicKey], ["api.x", "/api-made", apiMade.signing.publicKey]] as const) {
      const response = await gateway.post({ type, data: {} });
      expect(response.status).toBe(202);
      await waitFor(() => at(path).length > 0);
      expect(await verifiesWith(key, signed(at(path).at(-1)!))).toBe(true);
    }
    await gateway.close();
  });
});
