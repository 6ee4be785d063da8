import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { AesGcmCodec } from "../../src/secrets/codec.ts";
import { parseKey } from "../../src/secrets/key.ts";
import { ensureBinary } from "../support/binary.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";
import { launchIn, stopAll, type Launched } from "./cluster-binary.ts";

// Several processes of the binary and Postgres on a shared 2-core machine.
setDefaultTimeout(60_000);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TOKEN = "cluster-key-ingest-token-0123456789";
const KEY_A = Buffer.alloc(32, 0xa).toString("base64");
const KEY_B = Buffer.alloc(32, 0xb).toString("base64");
const SAME_KEY = /does not open this store's endpoint secrets: .*every process on one Postgres store must use the same key/;

const config = (db: string, receiverUrl: string) => `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { postgres: "${db}" },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"] },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${TOKEN}", events: ["*"] }] }],
  endpoints: [{ id: "rx", url: "${receiverUrl}", events: ["*"], secret: "${SECRET}", auth: { type: "bearer", token: "receiver-token" } }],
});
`;

/** Every sealed value in the store (the key check, endpoint secrets, secret headers, auth), as stored. */
async function sealedValues(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.client.query("SELECT row_to_json(m)::text AS t FROM meta m UNION ALL SELECT row_to_json(e)::text FROM endpoints e");
  return rows.flatMap((r: { t: string }) => r.t.match(/enc:v1:[A-Za-z0-9+/=]+/g) ?? []);
}

/** Proves every sealed value opens with `key`: nothing in the store was written with another one. */
async function expectAllOpenWith(db: TestDatabase, key: Buffer): Promise<number> {
  const codec = new AesGcmCodec(key);
  const sealed = await sealedValues(db);
  for (const value of sealed) expect(() => codec.decrypt(value)).not.toThrow();
  return sealed.length;
}

let receiver: Receiver;
beforeAll(async () => { receiver = startReceiver(); await ensureBinary(); });
afterAll(() => receiver.stop());

describe.skipIf(skipPg)("processes on one Postgres store and the secrets key", () => {
  test("a process with another key refuses to start, names the fix and writes nothing; the first keeps delivering", async () => {
    const db = await createDatabase();
    const running: Launched[] = [];
    try {
      const source = config(db.url, receiver.url);
      const first = await launchIn(source, { HOOKGATE_MASTER_KEY: KEY_A });
      running.push(first);
      const url = await first.ready;
      expect(url).not.toBeNull();
      const before = await sealedValues(db);
      expect(before.length).toBe(3); // the check, the signing secret, the auth token

      const second = await launchIn(source, { HOOKGATE_MASTER_KEY: KEY_B });
      running.push(second);
      expect(await second.ready).toBeNull();
      expect(await second.proc.exited).toBe(1);
      expect(second.output()).toMatch(SAME_KEY);
      expect(second.output()).not.toContain("listening");
      expect(await sealedValues(db)).toEqual(before);
      expect(await expectAllOpenWith(db, parseKey(KEY_A)!)).toBe(3);

      // The first process still signs with the secret it opened.
      const posted = await fetch(`${url}/v1/events`, {
        method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ type: "job.done", data: { n: 1 } }),
      });
      expect(posted.status).toBe(202);
      const { id } = (await posted.json()) as { id: string };
      await waitFor(() => receiver.requests.some((r) => r.headers["webhook-id"] === id));
      const got = receiver.requests.find((r) => r.headers["webhook-id"] === id)!;
      expect(() => new Webhook(SECRET).verify(got.body, got.headers)).not.toThrow();
      expect(got.headers.authorization).toBe("Bearer receiver-token");
    } finally {
      await stopAll(running);
      await db.drop();
    }
  });

  test("two processes started at the same instant on an empty store, each with a new key file: one starts, the other refuses", async () => {
    for (let round = 0; round < 3; round++) {
      const db = await createDatabase();
      const source = config(db.url, receiver.url);
      // No HOOKGATE_MASTER_KEY: each makes data/master.key in its own folder, as two VMs would.
      const both = await Promise.all([launchIn(source, { HOOKGATE_MASTER_KEY: "" }), launchIn(source, { HOOKGATE_MASTER_KEY: "" })]);
      try {
        const urls = await Promise.all(both.map((l) => l.ready));
        const winners = both.filter((_, i) => urls[i] !== null);
        const losers = both.filter((_, i) => urls[i] === null);
        expect(winners.length).toBe(1);
        expect(losers.length).toBe(1);
        expect(await losers[0]!.proc.exited).toBe(1);
        expect(losers[0]!.output()).toMatch(SAME_KEY);
        const { rows } = await db.client.query("SELECT count(*)::int AS n FROM meta WHERE key = 'secrets.check'");
        expect(rows[0].n).toBe(1);
        const winnerKey = parseKey(readFileSync(join(winners[0]!.dir, "data", "master.key"), "utf8"))!;
        expect(await expectAllOpenWith(db, winnerKey)).toBe(3);
      } finally {
        await stopAll(both);
        await db.drop();
      }
    }
  });
});
