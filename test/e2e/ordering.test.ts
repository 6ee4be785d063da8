import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { launch, writeConfig, type Launched } from "../support/binary.ts";
import { startReceiver, type Received, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";

// The compiled binary, a receiver that fails at random, 2,000 events: room on a shared 2-core machine.
setDefaultTimeout(180_000);

const TOKEN = "ordering-ingest-token-0123456789";
const ADMIN = "ordering-admin-token-0123456789";
const KEYS = 50;
const PER_KEY = 40;

/** The config: `ordered` with ordering and the given maxBlock, `plain` without, both short retry schedules. */
export const orderingConfig = (receiverUrl: string, maxBlock: string, store = `{ sqlite: "./data/hookgate.db" }`) => `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: ${store},
  admin: { tokens: [{ name: "ops", token: "${ADMIN}" }] },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], timeoutMs: 2000, circuitBreakerAfter: 0, autoDisableAfter: 0, jitter: 0 },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${TOKEN}", events: ["*"] }] }],
  endpoints: [
    { id: "ordered", url: "${receiverUrl}/ordered", events: ["order.*"], signing: { scheme: "none" }, maxConcurrency: 16,
      schedule: ["20ms", "20ms", "20ms", "20ms", "20ms", "50ms", "50ms", "50ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms"],
      ordering: { maxBlock: "${maxBlock}" } },
    { id: "exhausted", url: "${receiverUrl}/exhausted", events: ["hookgate.delivery.exhausted"], signing: { scheme: "none" } },
  ],
});
`;

interface Arrival { key: string; seq: number; ok: boolean; at: number; done: number }

/** What the receiver saw at /ordered: each request's key and sequence number, and whether it answered 2xx. */
export function orderedReceiver(fails: (body: { orderingKey?: string; data: { key: string; seq: number; poison?: boolean } }) => boolean): { receiver: Receiver; arrivals: Arrival[] } {
  const arrivals: Arrival[] = [];
  const receiver = startReceiver(async (req: Received) => {
    if (!req.path.endsWith("/ordered")) return new Response("ok");
    const body = JSON.parse(req.body);
    const arrival: Arrival = { key: body.data.key, seq: body.data.seq, ok: false, at: Date.now(), done: 0 };
    arrivals.push(arrival);
    await Bun.sleep(Math.random() * 30);
    arrival.ok = !fails(body);
    arrival.done = Date.now();
    expect(req.headers["webhook-ordering-key"]).toBe(body.data.key);
    return new Response(arrival.ok ? "ok" : "no", { status: arrival.ok ? 200 : 500 });
  });
  return { receiver, arrivals };
}

/** Sends `rounds` arrays, each with two events of every key (in order), one request after the other. */
export async function sendRounds(url: string, keys: string[], perKey: number): Promise<Map<string, string[]>> {
  const accepted = new Map<string, string[]>(keys.map((k) => [k, []]));
  for (let seq = 0; seq < perKey; seq += 2) {
    const events = keys.flatMap((key) => [seq, seq + 1].map((s) => ({ type: "order.updated", orderingKey: key, data: { key, seq: s } })));
    const r = await fetch(`${url}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(events) });
    expect(r.status).toBe(202);
    const answer = ((await r.json()) as { events: { id: string }[] }).events;
    answer.forEach((a, i) => accepted.get(events[i]!.orderingKey)!.push(a.id));
  }
  return accepted;
}

/** For each key, the sequence numbers of the successful arrivals: in accepted order, each at least once. */
export function expectInOrder(arrivals: Arrival[], keys: string[], perKey: number, skip: (key: string, seq: number) => boolean = () => false) {
  for (const key of keys) {
    const seqs = arrivals.filter((a) => a.key === key && a.ok).sort((a, b) => a.done - b.done).map((a) => a.seq);
    for (let i = 1; i < seqs.length; i++) expect({ key, at: i, seq: seqs[i]! >= seqs[i - 1]! }).toEqual({ key, at: i, seq: true });
    const expected = Array.from({ length: perKey }, (_, s) => s).filter((s) => !skip(key, s));
    expect({ key, seqs: [...new Set(seqs)] }).toEqual({ key, seqs: expected });
  }
}

/** An attempt to a key starts only after the one before it ended (no two of one key at the receiver at once). */
export function expectOneAtATime(arrivals: Arrival[], keys: string[]) {
  for (const key of keys) {
    const mine = arrivals.filter((a) => a.key === key).sort((a, b) => a.at - b.at);
    for (let i = 1; i < mine.length; i++) expect({ key, overlaps: mine[i]!.at < mine[i - 1]!.done }).toEqual({ key, overlaps: false });
  }
}

/** The most keys with an attempt at the receiver at the same moment. */
export function keysInParallel(arrivals: Arrival[]): number {
  let most = 0;
  for (const a of arrivals) {
    const open = new Set(arrivals.filter((b) => b.at <= a.at && b.done > a.at).map((b) => b.key));
    most = Math.max(most, open.size);
  }
  return most;
}

describe("ordered delivery on the compiled binary (SQLite)", () => {
  let gate: Launched;
  let url: string;
  let rx: ReturnType<typeof orderedReceiver>;
  const poisoned = "key-poisoned";

  beforeAll(async () => {
    // 20 % of attempts fail; the poisoned key's first event always does.
    rx = orderedReceiver((body) => body.data.poison === true || Math.random() < 0.2);
    gate = await launch(writeConfig(orderingConfig(rx.receiver.url, "3s")));
    url = (await gate.ready)!;
    expect(url).not.toBeNull();
  });
  afterAll(async () => {
    await gate?.stop();
    rx?.receiver.stop();
    if (gate) rmSync(gate.dir, { recursive: true, force: true });
  });

  test("50 keys × 40 events, 20 % failing: each key's successful arrivals in accepted order, one at a time, keys in parallel", async () => {
    const keys = Array.from({ length: KEYS }, (_, i) => `key-${i}`);
    const accepted = await sendRounds(url, keys, PER_KEY);
    for (const ids of accepted.values()) expect([...ids].sort()).toEqual(ids); // ids follow the accepted order
    await waitFor(() => new Set(rx.arrivals.filter((a) => a.ok && a.key.startsWith("key-") && a.key !== poisoned).map((a) => `${a.key}/${a.seq}`)).size === KEYS * PER_KEY,
      { timeoutMs: 150_000, what: "every event delivered", everyMs: 100 });
    const mine = rx.arrivals.filter((a) => keys.includes(a.key));
    expectInOrder(mine, keys, PER_KEY);
    expectOneAtATime(mine, keys);
    expect(mine.filter((a) => !a.ok).length).toBeGreaterThan(KEYS * PER_KEY * 0.1); // the receiver did fail
    expect(keysInParallel(mine)).toBeGreaterThanOrEqual(8); // not serialised behind each other
  });

  test("a key whose first event always fails is unblocked after maxBlock; the rest of it arrive in order", async () => {
    const events = [
      { type: "order.updated", orderingKey: poisoned, data: { key: poisoned, seq: 0, poison: true } },
      ...Array.from({ length: 5 }, (_, i) => ({ type: "order.updated", orderingKey: poisoned, data: { key: poisoned, seq: i + 1 } })),
    ];
    const sentAt = Date.now();
    const r = await fetch(`${url}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(events) });
    expect(r.status).toBe(202);
    const [head] = ((await r.json()) as { events: { id: string }[] }).events;
    await waitFor(() => new Set(rx.arrivals.filter((a) => a.key === poisoned && a.ok).map((a) => a.seq)).size === 5, { timeoutMs: 60_000, what: "the rest of the key", everyMs: 100 });
    const mine = rx.arrivals.filter((a) => a.key === poisoned);
    expectInOrder(mine, [poisoned], 6, (_, seq) => seq === 0);
    expectOneAtATime(mine, [poisoned]);
    // Nothing after the head went before maxBlock (3 s) had passed since the head was first due.
    const firstAfter = Math.min(...mine.filter((a) => a.seq > 0).map((a) => a.at));
    expect(firstAfter - sentAt).toBeGreaterThanOrEqual(2_900);
    expect(firstAfter - sentAt).toBeLessThan(3_000 + 5_000);
    // The head failed for good with the reason, and hookgate.delivery.exhausted said so.
    const api = (path: string) => fetch(`${url}/api/v1${path}`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((x) => x.json() as Promise<any>);
    const deliveries = await api(`/deliveries?event=${head!.id}`);
    expect(deliveries.data[0].status).toBe("failed");
    expect(deliveries.data[0].orderingKey).toBe(poisoned);
    const attempts = (await api(`/deliveries/${deliveries.data[0].id}`)).attempts as { error: string }[];
    expect(attempts.at(-1)!.error).toMatch(/^ordering: blocked its key for 3s \(the last attempt: HTTP 500\)$/);
    await waitFor(() => rx.receiver.requests.some((q) => q.path.endsWith("/exhausted") && JSON.parse(q.body).data.deliveryId === deliveries.data[0].id),
      { timeoutMs: 10_000, what: "hookgate.delivery.exhausted for the head" });
  });
});
