import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { ADMIN_TOKEN, baseConfig, startTestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { SECRET } from "../http/support.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

let receiver: Receiver;
let dir: string;
const CONFIG_KEY = "config-api-key-in-clear-77";
const config = () => ({ endpoints: [{ id: "cfg", url: receiver.url, events: ["cfg.*"], secret: SECRET, headers: { "X-Api-Key": CONFIG_KEY } }] as never });

beforeAll(() => {
  receiver = startReceiver();
  dir = mkdtempSync(join(tmpdir(), "hookgate-at-rest-"));
});
afterAll(() => { receiver.stop(); rmSync(dir, { recursive: true, force: true }); });

/** Every byte hookgate keeps in its data folder: the database, its WAL and shared memory, and the key file. */
const everything = () => Buffer.concat(readdirSync(dir).filter((f) => f.startsWith("hookgate.db")).map((f) => readFileSync(join(dir, f))));

describe("endpoint secrets at rest", () => {
  let apiSecret = "";
  let rotatedSecret = "";

  test("are AES-GCM ciphertext in the SQLite file, never the secret itself", async () => {
    const app = await startTestApp(baseConfig(config()), { dir });
    const api = (method: string, path: string, body?: unknown) => fetch(`${app.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
    const created = await api("POST", "/endpoints", { url: receiver.url, events: ["api.*"], verify: false, auth: { type: "basic", username: "fs-user", password: "receiver-password-42" }, headers: { "Private-Token": "api-private-token-99" } });
    apiSecret = created.signingSecret;
    rotatedSecret = (await api("POST", `/endpoints/${created.id}/rotate-secret`, { graceSeconds: 3600 })).signingSecret;
    await app.close();

    const bytes = everything();
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes(Buffer.from("receiver-password-42"))).toBe(false); // receiver credentials are sealed too
    expect(bytes.includes(Buffer.from("api-private-token-99"))).toBe(false); // and secret-looking headers, from the API
    expect(bytes.includes(Buffer.from(CONFIG_KEY))).toBe(false); // and from the config file
    for (const secret of [SECRET, apiSecret, rotatedSecret]) {
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
      expect(bytes.includes(Buffer.from(secret.slice(6)))).toBe(false);
    }
    const db = new Database(join(dir, "hookgate.db"), { readonly: true });
    const rows = db.query("SELECT id, secret, previous_secret FROM endpoints").all() as { id: string; secret: string; previous_secret: string | null }[];
    db.close();
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.secret).toStartWith("enc:v1:");
    expect(rows.find((r) => r.id !== "cfg")!.previous_secret).toStartWith("enc:v1:");
    expect(statSync(join(dir, "master.key")).mode & 0o777).toBe(0o600);
  });

  test("a restart with the same key file signs with the same secrets", async () => {
    const app = await startTestApp(baseConfig(config()), { dir });
    try {
      receiver.requests.length = 0;
      await app.post({ type: "cfg.one", data: {} });
      await app.post({ type: "api.one", data: {} });
      await waitFor(() => receiver.requests.length === 2, { timeoutMs: 5000, what: "both deliveries" });
      const cfg = receiver.requests.find((r) => r.headers["webhook-event"] === "cfg.one")!;
      const api = receiver.requests.find((r) => r.headers["webhook-event"] === "api.one")!;
      expect(() => new Webhook(SECRET).verify(cfg.body, cfg.headers)).not.toThrow();
      expect(() => new Webhook(rotatedSecret).verify(api.body, api.headers)).not.toThrow();
      expect(() => new Webhook(apiSecret).verify(api.body, api.headers)).not.toThrow(); // still in its grace
      expect(api.headers.authorization).toBe(`Basic ${btoa("fs-user:receiver-password-42")}`);
      expect(api.headers["private-token"]).toBe("api-private-token-99");
      expect(cfg.headers["x-api-key"]).toBe(CONFIG_KEY);
    } finally {
      await app.close();
    }
  });

  test("a wrong HOOKGATE_MASTER_KEY fails the start with a clear reason", async () => {
    const saved = process.env.HOOKGATE_MASTER_KEY;
    process.env.HOOKGATE_MASTER_KEY = Buffer.alloc(32, 3).toString("base64");
    try {
      await expect(startTestApp(baseConfig(config()), { dir })).rejects.toThrow(
        "the secrets key from HOOKGATE_MASTER_KEY does not open this store's endpoint secrets: set HOOKGATE_MASTER_KEY to the key the store was set up with");
    } finally {
      if (saved === undefined) delete process.env.HOOKGATE_MASTER_KEY; else process.env.HOOKGATE_MASTER_KEY = saved;
    }
  });

  test("a lost key file fails the start rather than signing with garbage", async () => {
    rmSync(join(dir, "master.key"));
    await expect(startTestApp(baseConfig(config()), { dir })).rejects.toThrow(/master\.key \(it was just created: the old one is missing\)/);
  });
});

test("with HOOKGATE_MASTER_KEY set, no key file is written", async () => {
  const fresh = mkdtempSync(join(tmpdir(), "hookgate-env-key-"));
  const saved = process.env.HOOKGATE_MASTER_KEY;
  process.env.HOOKGATE_MASTER_KEY = Buffer.alloc(32, 5).toString("hex");
  try {
    const app = await startTestApp(baseConfig(config()), { dir: fresh });
    await app.close();
    expect(readdirSync(fresh)).not.toContain("master.key");
  } finally {
    if (saved === undefined) delete process.env.HOOKGATE_MASTER_KEY; else process.env.HOOKGATE_MASTER_KEY = saved;
    rmSync(fresh, { recursive: true, force: true });
  }
});
