import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { launch, writeConfig, type Launched } from "../support/binary.ts";
import { waitFor } from "../support/wait.ts";
import { ADMIN, expectInOrder, expectOneAtATime, KEYS, keysInParallel, orderedReceiver, orderingConfig, PER_KEY, sendRounds, TOKEN } from "./ordering-support.ts";

// The compiled binary, a receiver that fails at random, 2,000 events: room on a shared 2-core machine.
setDefaultTimeout(180_000);

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
