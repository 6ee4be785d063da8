import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { ensureBinary, startBinary, writeConfig, type Running } from "../support/binary.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";

/**
 * Issue 15.1: a change through any process is in force on every process within 2 s. Three processes of the
 * compiled binary share one Postgres database; each change is made on one and measured on the other two by what
 * their ingest fans out to (the 202's `deliveries`) or what reaches the receiver.
 */
setDefaultTimeout(60_000);

const TOKEN = "cluster-ingest-token-0123456789";
const ADMIN = "cluster-admin-token-0123456789";
const LIMIT_MS = 2_000;

const config = `import { defineConfig, env } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { postgres: env("DATABASE_URL") },
  admin: { tokens: [{ name: "ops", token: "${ADMIN}", scopes: ["read", "write"] }] },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], timeoutMs: 2000, jitter: 0 },
  // The tenant endpoints below are the API's, held to tenants.allowNetworks.
  tenants: { allowNetworks: ["127.0.0.0/8"] },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${TOKEN}", events: ["*"] }] }],
  endpoints: [],
});
`;

let db: TestDatabase;
let receiver: Receiver;
let procs: Running[] = [];
let env: Record<string, string>;
let path: string;
const figures: Record<string, number[]> = {};

const api = async (proc: Running, method: string, path: string, body?: unknown, token = ADMIN) => {
  const res = await fetch(`${proc.url}/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) as any };
};

/** Ingests one event; answers how many deliveries the process fanned it out to, and its id. */
const ingest = async (proc: Running, type: string, tenant?: string): Promise<{ id: string; deliveries: number }> => {
  const res = await fetch(`${proc.url}/v1/events`, {
    method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ type, data: {}, ...(tenant && { tenant }) }),
  });
  expect(res.status).toBe(202);
  return res.json() as Promise<{ id: string; deliveries: number }>;
};

/** Ingests on `proc` every 50 ms until its fan-out says `ready`; answers the ms since `from`. */
async function until(proc: Running, from: number, ready: (deliveries: number) => boolean, type = "probe.sent", tenant?: string): Promise<number> {
  for (;;) {
    const { deliveries } = await ingest(proc, type, tenant);
    const elapsed = Date.now() - from;
    if (ready(deliveries)) return elapsed;
    if (elapsed > 10_000) throw new Error("the change did not reach the process in 10 s");
    await Bun.sleep(50);
  }
}

/** A change made now on one process, measured on the two others (each < 2 s), noted under `what`. */
async function reachesOthers(what: string, from: number, others: Running[], ready: (deliveries: number) => boolean, type?: string, tenant?: string): Promise<void> {
  const ms = await Promise.all(others.map((p) => until(p, from, ready, type, tenant)));
  (figures[what] ??= []).push(...ms);
  for (const m of ms) expect(m).toBeLessThan(LIMIT_MS);
}

const listeners = async () => (await db.client.query(
  "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'")).rows[0].n as number;

const createEndpoint = async (proc: Running, path: string, fields: Record<string, unknown> = {}) => {
  const created = await api(proc, "POST", "/endpoints", { url: `${receiver.url}/${path}`, events: ["probe.*"], verify: false, ...fields });
  expect(created.status).toBe(201);
  return created.body.id as string;
};

describe.skipIf(skipPg)("three processes on one Postgres store: changes reach every process within 2 s", () => {
  beforeAll(async () => {
    [db, receiver] = [await createDatabase(), startReceiver()];
    await ensureBinary();
    env = { DATABASE_URL: db.url, HOOKGATE_MASTER_KEY: randomBytes(32).toString("hex") };
    path = writeConfig(config);
    procs.push(await startBinary(path, env)); // the first migrates
    procs.push(...await Promise.all([startBinary(path, env), startBinary(path, env)]));
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    receiver?.stop();
    await db?.drop();
    console.log(`cluster changes, ms until in force on the other processes: ${JSON.stringify(figures)}`);
  });

  test("an endpoint created on one receives events ingested on the others; a patch and a delete follow", async () => {
    const [p1, p2, p3] = procs as [Running, Running, Running];
    let at = Date.now();
    const id = await createEndpoint(p1, "a");
    await reachesOthers("create", at, [p2, p3], (n) => n === 1);
    await waitFor(() => receiver.requests.filter((r) => r.path === "/hooks/a").length >= 2, { timeoutMs: 5_000, what: "events ingested on p2 and p3 delivered" });

    at = Date.now();
    expect((await api(p2, "PATCH", `/endpoints/${id}`, { events: ["other.*"] })).status).toBe(200);
    await reachesOthers("patch", at, [p1, p3], (n) => n === 0);
    expect((await ingest(p1, "other.thing")).deliveries).toBe(1);

    at = Date.now();
    expect((await api(p3, "DELETE", `/endpoints/${id}`)).status).toBe(204);
    await reachesOthers("delete", at, [p1, p2], (n) => n === 0, "other.thing");
  });

  test("a disable on one stops sending on the others within 2 s; enabling sends what waited", async () => {
    const [p1, p2, p3] = procs as [Running, Running, Running];
    const id = await createEndpoint(p1, "b", { events: ["paused.*"] });
    await reachesOthers("create", Date.now(), [p2, p3], (n) => n === 1, "paused.sent");
    const at = Date.now();
    expect((await api(p1, "PATCH", `/endpoints/${id}`, { enabled: false })).status).toBe(200);
    // Ingest on the others for 2.5 s: an event is sent at once only by a process that still sees it enabled.
    const sent: { id: string; at: number }[] = [];
    while (Date.now() - at < 2_500) {
      for (const p of [p2, p3]) sent.push({ id: (await ingest(p, "paused.sent")).id, at: Date.now() - at });
      await Bun.sleep(50);
    }
    await Bun.sleep(1_000);
    const arrived = new Set(receiver.requests.filter((r) => r.path === "/hooks/b").map((r) => JSON.parse(r.body).id as string));
    const late = sent.filter((s) => arrived.has(s.id)).map((s) => s.at);
    figures.disable = [Math.max(0, ...late)];
    expect(Math.max(0, ...late)).toBeLessThan(LIMIT_MS);
    expect(sent.filter((s) => s.at > LIMIT_MS).length).toBeGreaterThan(0);

    expect((await api(p2, "PATCH", `/endpoints/${id}`, { enabled: true })).status).toBe(200);
    await waitFor(() => sent.every((s) => receiver.requests.some((r) => r.path === "/hooks/b" && JSON.parse(r.body).id === s.id)), { timeoutMs: 10_000, what: "the waiting events delivered after enabling" });
  });

  test("a session created on one works on the others at once; revoked on one, it fails on the others; a deleted tenant's endpoints go", async () => {
    const [p1, p2, p3] = procs as [Running, Running, Running];
    const at = Date.now();
    await createEndpoint(p1, "acme", { tenant: "acme", events: ["acme.*"] });
    await reachesOthers("create", at, [p2, p3], (n) => n === 1, "acme.sent", "acme");

    // Sessions are read from the store on every request: nothing to wait for.
    const session = await api(p1, "POST", "/tenants/acme/sessions", { scopes: ["read"] });
    expect(session.status).toBe(201);
    for (const p of [p2, p3]) {
      const seen = await api(p, "GET", "/endpoints", undefined, session.body.token);
      expect(seen.status).toBe(200);
      expect(seen.body.data.map((e: { tenant: string }) => e.tenant)).toEqual(["acme"]);
    }
    expect((await api(p3, "DELETE", "/tenants/acme/sessions")).body.revoked).toBe(1);
    for (const p of [p1, p2]) expect((await api(p, "GET", "/endpoints", undefined, session.body.token)).status).toBe(401);

    const removed = Date.now();
    expect((await api(p2, "DELETE", "/tenants/acme")).status).toBe(200);
    await reachesOthers("tenant delete", removed, [p1, p3], (n) => n === 0, "acme.sent", "acme");
  });

  test("with the LISTEN connections killed, changes still arrive within 2 s and LISTEN reconnects", async () => {
    const [p1, p2, p3] = procs as [Running, Running, Running];
    expect(await listeners()).toBe(3);
    const killed = await db.client.query(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'");
    expect(killed.rows.filter((r) => r.ok).length).toBe(3);
    const at = Date.now();
    await createEndpoint(p1, "c", { events: ["relisten.*"] });
    await reachesOthers("create, LISTEN killed", at, [p2, p3], (n) => n === 1, "relisten.sent");
    await waitFor(async () => (await listeners()) === 3, { timeoutMs: 10_000, what: "three LISTEN connections again" });
    figures["LISTEN back"] = [Date.now() - at];
    for (const p of procs) expect(p.output()).toContain("the change listener lost its Postgres connection");

    const again = Date.now();
    await createEndpoint(p2, "d", { events: ["relisten.*"] });
    await reachesOthers("create, after reconnect", again, [p1, p3], (n) => n === 2, "relisten.sent");
  });

  test("a process with no LISTEN at all follows changes by its once-a-second version check alone", async () => {
    const [p1] = procs as [Running];
    const deaf = await startBinary(path, { ...env, HOOKGATE_TEST_NO_LISTEN: "1" });
    procs.push(deaf);
    expect(await listeners()).toBe(3);
    const at = Date.now();
    await createEndpoint(p1, "e", { events: ["deaf.*"] });
    await reachesOthers("create, version check alone", at, [deaf], (n) => n === 1, "deaf.sent");
  });
});
