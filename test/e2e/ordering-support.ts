/** What the ordered-delivery tests on the compiled binary share (DESIGN §13): the config, the receiver, the checks. */
import { expect } from "bun:test";
import { startReceiver, type Received, type Receiver } from "../support/receiver.ts";

export const TOKEN = "ordering-ingest-token-0123456789";
export const ADMIN = "ordering-admin-token-0123456789";
export const KEYS = 50;
export const PER_KEY = 40;

/**
 * The config: `ordered` with ordering and the given maxBlock, `plain` without, both short retry schedules; the schedule
 * (4.45 s in all) outlasts a maxBlock of 3 s, so a head that always fails is ended by maxBlock, not by its schedule.
 */
export const orderingConfig = (receiverUrl: string, maxBlock: string, store = `{ sqlite: "./data/hookgate.db" }`) => `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: ${store},
  admin: { tokens: [{ name: "ops", token: "${ADMIN}" }] },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], timeoutMs: 2000, circuitBreakerAfter: 0, autoDisableAfter: 0, jitter: 0 },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${TOKEN}", events: ["*"] }] }],
  endpoints: [
    { id: "ordered", url: "${receiverUrl}/ordered", events: ["order.*"], signing: { scheme: "none" }, maxConcurrency: 16,
      schedule: ["20ms", "20ms", "20ms", "20ms", "20ms", "50ms", "50ms", "50ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms", "100ms", "1s", "1s", "1s"],
      ordering: { maxBlock: "${maxBlock}" } },
    { id: "exhausted", url: "${receiverUrl}/exhausted", events: ["hookgate.delivery.exhausted"], signing: { scheme: "none" } },
  ],
});
`;

export interface Arrival { key: string; seq: number; ok: boolean; at: number; done: number }

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

/**
 * Sends arrays of two events of every key (in order), one request after the other, for sequence numbers
 * [from, to); `url` may name the process per round (several processes sharing one store).
 */
export async function sendRounds(url: string | ((seq: number) => string), keys: string[], to: number, from = 0): Promise<Map<string, string[]>> {
  const accepted = new Map<string, string[]>(keys.map((k) => [k, []]));
  for (let seq = from; seq < to; seq += 2) {
    const events = keys.flatMap((key) => [seq, seq + 1].map((s) => ({ type: "order.updated", orderingKey: key, data: { key, seq: s } })));
    const target = typeof url === "string" ? url : url(seq);
    const r = await fetch(`${target}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(events) });
    expect(r.status).toBe(202);
    const answer = ((await r.json()) as { events: { id: string }[] }).events;
    answer.forEach((a, i) => accepted.get(events[i]!.orderingKey)!.push(a.id));
  }
  return accepted;
}

/** Every event of `keys` with sequence numbers below `perKey` answered 2xx at least once. */
export const allArrived = (arrivals: Arrival[], keys: string[], perKey: number): boolean =>
  new Set(arrivals.filter((a) => a.ok && keys.includes(a.key)).map((a) => `${a.key}/${a.seq}`)).size === keys.length * perKey;

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

