import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { newId } from "../../src/core/ids.ts";
import { heldTooLong } from "../../src/core/delivery/runner.ts";
import { endedKeys, type AttemptOutcome, type IngestItem, type Store } from "../../src/store/types.ts";
import { dbOf } from "../support/store-db.ts";
import { STORES } from "../support/stores.ts";

setDefaultTimeout(60_000);

/** Events of `key` for `endpoint`, each with one ordered delivery, in one ingest call. */
function items(endpoint: string, key: string, n: number): IngestItem[] {
  const now = Date.now();
  return Array.from({ length: n }, () => {
    const id = newId("evt", now);
    return {
      event: { id, source: "app", type: "order.updated", timestamp: new Date(now).toISOString(), data: "{}", dedupe_key: id, idempotency_key: null, received_at: now, tenant: null, ordering_key: key || null },
      deliveries: [{ id: newId("dlv", now), endpoint_id: endpoint, next_attempt_at: null, ordering_key: key }],
    };
  });
}

/** The outcome of an attempt of `id` that ends it (succeeded) or schedules a retry. */
const outcome = (id: string, endpoint: string, key: string, status: "succeeded" | "failed" | "retrying"): AttemptOutcome => ({
  attempt: {
    id: newId("att"), delivery_id: id, endpoint_id: endpoint, number: 1, trigger: "scheduled", started_at: Date.now(), url: "u", request_headers: "{}",
    request_body: null, status_code: status === "succeeded" ? 200 : 500, response_headers: "{}", response_body: "", duration_ms: 1, error: null,
  },
  delivery: { id, status, attempts: 1, next_attempt_at: status === "retrying" ? Date.now() + 60_000 : null, ordering: { endpointId: endpoint, key } },
  endpoint: null,
});

/**
 * DESIGN §13 in the store, on both stores: ordered deliveries are written waiting, the first of each (endpoint, key)
 * is due, and the next becomes due only when the one before ends for good; a retry keeps the key held.
 */
for (const kind of STORES) {
  describe.skipIf(kind.skip)(`ordered deliveries: ${kind.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await kind.open());
      await store.migrate();
    });
    afterAll(async () => { await store?.close(); await cleanup?.(); });

    const due = async (endpoint: string) => (await dbOf(store).selectFrom("deliveries").select(["id", "ordering_key", "held_since"])
      .where("endpoint_id", "=", endpoint).where("status", "in", ["pending", "retrying"]).where("next_attempt_at", "is not", null).orderBy("id").execute());

    test("one due per key; the next only after the one before ends; a retry holds the key; keys apart", async () => {
      const e = `ep_${kind.name}_a`;
      const a = items(e, "a", 3);
      const b = items(e, "b", 2);
      const none = items(e, "", 2); // events without a key: one key of their own
      await store.ingest([a[0]!, b[0]!, a[1]!, none[0]!, b[1]!, a[2]!, none[1]!], []);
      const ids = (xs: IngestItem[]) => xs.map((x) => x.deliveries[0]!.id);
      expect((await due(e)).map((d) => d.id).sort()).toEqual([ids(a)[0]!, ids(b)[0]!, ids(none)[0]!].sort());
      expect((await due(e)).every((d) => typeof Number(d.held_since) === "number" && d.held_since !== null)).toBe(true);

      // A claim takes the heads only (others wait with no due time).
      const claimed = await store.claimDue(e, Date.now(), Date.now() + 60_000, 100);
      expect(claimed.map((c) => c.id).sort()).toEqual([ids(a)[0]!, ids(b)[0]!, ids(none)[0]!].sort());
      expect(claimed.find((c) => c.id === ids(none)[0])!.orderingKey).toBe("");

      await store.recordAttempts([outcome(ids(a)[0]!, e, "a", "retrying"), outcome(ids(b)[0]!, e, "b", "succeeded")]);
      expect((await due(e)).map((d) => d.id).sort()).toEqual([ids(a)[0]!, ids(b)[1]!, ids(none)[0]!].sort());
      await store.recordAttempts([outcome(ids(a)[0]!, e, "a", "failed")]);
      expect((await due(e)).map((d) => d.id)).toContain(ids(a)[1]!);
      expect((await due(e)).map((d) => d.id)).not.toContain(ids(a)[2]!);
    });

    test("a later ingest of a key with one under way waits; with none under way it is due at once", async () => {
      const e = `ep_${kind.name}_b`;
      const [first] = items(e, "k", 1);
      await store.ingest([first!], []);
      const [second] = items(e, "k", 1);
      await store.ingest([second!], []);
      expect((await due(e)).map((d) => d.id)).toEqual([first!.deliveries[0]!.id]);
      await store.recordAttempts([outcome(first!.deliveries[0]!.id, e, "k", "succeeded")]);
      expect((await due(e)).map((d) => d.id)).toEqual([second!.deliveries[0]!.id]);
      await store.recordAttempts([outcome(second!.deliveries[0]!.id, e, "k", "succeeded")]);
      const [third] = items(e, "k", 1);
      await store.ingest([third!], []);
      expect((await due(e)).map((d) => d.id)).toEqual([third!.deliveries[0]!.id]);
    });

    test("a record that ends a key's delivery with leaseMs leases the key's next to the recorder, ready to send; without, it is due for anyone", async () => {
      const e = `ep_${kind.name}_lease`;
      const a = items(e, "a", 3);
      const b = items(e, "b", 2);
      await store.ingest([...a, ...b], []);
      const [headA, headB] = [a[0]!.deliveries[0]!.id, b[0]!.deliveries[0]!.id];
      await store.claimDue(e, Date.now(), Date.now() + 60_000, 100);
      const leasing = (o: AttemptOutcome): AttemptOutcome => ({ ...o, delivery: { ...o.delivery, ordering: { ...o.delivery.ordering!, leaseMs: 30_000 } } });
      const before = Date.now();
      const { leased } = await store.recordAttempts([leasing(outcome(headA, e, "a", "succeeded")), outcome(headB, e, "b", "succeeded")]);
      // Key a's next is leased to this recorder: numbered after its lease, with its event, not due for anyone else.
      expect(leased.map((c) => [c.id, c.attempt, c.orderingKey, c.event.id])).toEqual([[a[1]!.deliveries[0]!.id, 1, "a", a[1]!.event.id]]);
      expect(leased[0]!.heldSince).toBeGreaterThanOrEqual(before);
      const row = await dbOf(store).selectFrom("deliveries").select(["next_attempt_at", "leases"]).where("id", "=", a[1]!.deliveries[0]!.id).executeTakeFirstOrThrow();
      expect(Number(row.next_attempt_at)).toBeGreaterThanOrEqual(before + 30_000);
      expect(Number(row.leases)).toBe(1);
      // Key b's next (no leaseMs) is due now, for a claim.
      const claimed = await store.claimDue(e, Date.now(), Date.now() + 60_000, 100);
      expect(claimed.map((c) => c.id)).toEqual([b[1]!.deliveries[0]!.id]);
      // A retry leases nothing; a record whose key has one under way leases nothing either.
      expect((await store.recordAttempts([leasing(outcome(a[1]!.deliveries[0]!.id, e, "a", "retrying"))])).leased).toEqual([]);
      const second = await store.recordAttempts([leasing(outcome(a[1]!.deliveries[0]!.id, e, "a", "failed"))]);
      expect(second.leased.map((c) => [c.id, c.attempt])).toEqual([[a[2]!.deliveries[0]!.id, 1]]);
    });

    test("concurrent ingests of one key make one due, never two", async () => {
      // Ten keys, each written by 20 ingests at once: a race between two of them would leave a key with two due.
      for (let round = 0; round < 10; round++) {
        const e = `ep_${kind.name}_c${round}`;
        await Promise.all(Array.from({ length: 20 }, () => store.ingest(items(e, "same", 1), [])));
        expect({ round, due: (await due(e)).length }).toEqual({ round, due: 1 });
      }
    });

    test("promoteStale releases a key whose head is gone (retention, an event's delete) once it has waited long enough", async () => {
      const e = `ep_${kind.name}_d`;
      const xs = items(e, "gone", 2);
      await store.ingest(xs, []);
      await dbOf(store).deleteFrom("deliveries").where("id", "=", xs[0]!.deliveries[0]!.id).execute();
      expect(await due(e)).toEqual([]);
      expect(await store.promoteStale(Date.now(), Date.now() - 60_000)).toBe(0); // not waiting long enough yet
      expect(await store.promoteStale(Date.now(), Date.now() + 1)).toBeGreaterThanOrEqual(1);
      expect((await due(e)).map((d) => d.id)).toEqual([xs[1]!.deliveries[0]!.id]);
    });

    test("a key whose head was deleted: a later ingest makes its oldest waiting due, not the new one", async () => {
      const e = `ep_${kind.name}_h`;
      const xs = items(e, "k", 3);
      await store.ingest(xs, []);
      await dbOf(store).deleteFrom("deliveries").where("id", "=", xs[0]!.deliveries[0]!.id).execute();
      const [later] = items(e, "k", 1);
      await store.ingest([later!], []);
      expect((await due(e)).map((d) => d.id)).toEqual([xs[1]!.deliveries[0]!.id]);
      await store.recordAttempts([outcome(xs[1]!.deliveries[0]!.id, e, "k", "succeeded")]);
      expect((await due(e)).map((d) => d.id)).toEqual([xs[2]!.deliveries[0]!.id]);
      await store.recordAttempts([outcome(xs[2]!.deliveries[0]!.id, e, "k", "succeeded")]);
      expect((await due(e)).map((d) => d.id)).toEqual([later!.deliveries[0]!.id]);
    });

    test("a delivery of the key sent outside the order (an admin retry) leases nothing, and the next after the head skips it once ended", async () => {
      const e = `ep_${kind.name}_m`;
      const xs = items(e, "k", 4);
      await store.ingest(xs, []);
      const [d1, d2, d3] = xs.map((x) => x.deliveries[0]!.id);
      expect(await store.leaseNow(d2!)).not.toBeNull();
      const leasing = (o: AttemptOutcome): AttemptOutcome => ({ ...o, delivery: { ...o.delivery, ordering: { ...o.delivery.ordering!, leaseMs: 30_000 } } });
      expect((await store.recordAttempts([leasing(outcome(d2!, e, "k", "succeeded"))])).leased).toEqual([]);
      expect((await due(e)).map((d) => d.id)).toEqual([d1!]);
      const { leased } = await store.recordAttempts([leasing(outcome(d1!, e, "k", "succeeded"))]);
      expect(leased.map((c) => c.id)).toEqual([d3!]);
    });

    test("a key's next after a long history is found from its end, and after the one that ended", async () => {
      const e = `ep_${kind.name}_long`;
      // 300 deliveries of one key, each ended in turn: the key's history.
      await store.ingest(items(e, "k", 300), []);
      for (let i = 0; i < 300; i++) {
        const [head] = await due(e);
        await store.recordAttempts([outcome(head!.id, e, "k", "succeeded")]);
      }
      expect(await due(e)).toEqual([]);
      const xs = items(e, "k", 2);
      await store.ingest(xs, []);
      expect((await due(e)).map((d) => d.id)).toEqual([xs[0]!.deliveries[0]!.id]);
      await store.recordAttempts([outcome(xs[0]!.deliveries[0]!.id, e, "k", "failed")]);
      expect((await due(e)).map((d) => d.id)).toEqual([xs[1]!.deliveries[0]!.id]);
    });
  });
}

test("endedKeys names each ended key once, after the greatest of its deliveries that ended", () => {
  const ended = (id: string, key: string, status: "succeeded" | "failed" | "retrying") => ({ delivery: { id, status, attempts: 1, next_attempt_at: null, ordering: { endpointId: "ep", key } } });
  expect(endedKeys([ended("dlv_2", "a", "succeeded"), ended("dlv_3", "a", "failed"), ended("dlv_1", "a", "succeeded"), ended("dlv_9", "a", "retrying"), ended("dlv_4", "b", "succeeded")]))
    .toEqual([{ endpointId: "ep", key: "a", after: "dlv_3" }, { endpointId: "ep", key: "b", after: "dlv_4" }]);
});

test("heldTooLong: a retry is capped at the key's maxBlock, and past it the delivery fails with the reason", () => {
  const endpoint = { ordering: { maxBlockMs: 1_000, maxBlock: "1s" } };
  const job = { ordering: { key: "k", heldSince: 10_000 } };
  const retry = (at: number) => ({ status: "retrying" as const, nextAttemptAt: at });
  expect(heldTooLong(job, endpoint, retry(10_500), 10_100)).toBeNull();
  expect(heldTooLong(job, endpoint, retry(20_000), 10_100)).toEqual({ next: { status: "retrying", nextAttemptAt: 11_000 }, reason: "" });
  expect(heldTooLong(job, endpoint, retry(20_000), 11_000)).toEqual({ next: { status: "failed", nextAttemptAt: null }, reason: "ordering: blocked its key for 1s" });
  expect(heldTooLong(job, endpoint, { status: "succeeded", nextAttemptAt: null }, 99_000)).toBeNull();
  expect(heldTooLong(job, { ordering: null }, retry(20_000), 99_000)).toBeNull();
  expect(heldTooLong({ ordering: { key: "k", heldSince: null } }, endpoint, retry(20_000), 99_000)).toBeNull();
  expect(heldTooLong({}, endpoint, retry(20_000), 99_000)).toBeNull();
});
