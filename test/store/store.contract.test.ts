import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { toEventRow } from "../../src/core/events.ts";
import { idFloor, newId } from "../../src/core/ids.ts";
import type { EventInput } from "../../src/plugin-api/index.ts";
import type { AttemptOutcome, IngestItem, Store } from "../../src/store/types.ts";
import { dbOf, storedEndpoint } from "../support/store-db.ts";
import { STORES } from "../support/stores.ts";
import { TenantScope } from "../../src/core/scope.ts";

/** The system's own view of the store: every tenant. */
const ALL = TenantScope.everyTenant();

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);


/** An item as ingest builds it (toEventRow composes the stored key), with `scope` as the http source passes it. */
function item(source: string, type: string, endpointIds: string[], key?: string, due = Date.now(), more: Pick<EventInput, "tenant"> & { scope?: string } = {}): IngestItem {
  const now = Date.now();
  const input: EventInput = { type, data: { type }, ...(key !== undefined && { id: key }), ...(more.tenant !== undefined && { tenant: more.tenant }) };
  return {
    event: toEventRow(newId("evt", now), source, input, now, more.scope),
    deliveries: endpointIds.map((endpoint_id) => ({ id: newId("dlv"), endpoint_id, next_attempt_at: due })),
  };
}

let aged = 0;
/** The item as if received at `at`: its id carries that time, as ingest makes it (ids.ts; newId itself never goes back). */
function receivedAt(i: IngestItem, at: number): IngestItem {
  const id = idFloor("evt", at).slice(0, -8) + String(aged++).padStart(8, "0");
  i.event = { ...i.event, id, dedupe_key: i.event.idempotency_key === null ? id : i.event.dedupe_key, received_at: at };
  return i;
}

/** One attempt's outcome for `recordAttempts`; `endpoint` null when hookgate could not build the request. */
function attemptOutcome(delivery: AttemptOutcome["delivery"], endpointId: string, endpoint: Partial<NonNullable<AttemptOutcome["endpoint"]>> | null, at = Date.now()): AttemptOutcome {
  const success = delivery.status === "succeeded";
  return {
    attempt: { id: newId("att"), delivery_id: delivery.id, endpoint_id: endpointId, number: delivery.attempts, trigger: "scheduled", started_at: at, url: "u", request_headers: "{}",
      request_body: delivery.attempts % 2 ? null : `{"n":${delivery.attempts}}`, status_code: success ? 200 : 500, response_headers: "{}", response_body: "", duration_ms: 1, error: success ? null : "HTTP 500" },
    delivery,
    endpoint: endpoint && { id: endpointId, success, at, statusCode: success ? 200 : 500, disableReason: null, autoDisableAfter: 0, autoDisableWindowMs: 0, ...endpoint },
  };
}

const endpointRow = (id: string) => storedEndpoint(id, { managedBy: "config" });

for (const kind of STORES) {
  describe.skipIf(kind.skip)(`store contract: ${kind.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await kind.open());
      await store.migrate();
      await store.migrate(); // idempotent
      await store.reconcileConfigEndpoints(["ep1", "ep2", "ep3", "ep4", "ep5", "ep6", "ep7", "ep8"].map(endpointRow));
    });
    afterAll(async () => { await store.close(); await cleanup(); });

    test("ingest stores events with deliveries; duplicates by key return the original", async () => {
      const a = item("app", "x.created", ["ep1", "ep2"], "key-1");
      const b = item("app", "x.created", ["ep1", "ep2"], "key-1");
      const c = item("other", "x.created", ["ep1"], "key-1");
      const [ra, rb, rc] = await store.ingest([a, b, c]);
      expect(ra).toEqual({ id: a.event.id, deliveries: 2, duplicate: false });
      expect(rb).toEqual({ id: a.event.id, deliveries: 2, duplicate: true });
      expect(rc).toEqual({ id: c.event.id, deliveries: 1, duplicate: false }); // keys are per source
      const [again] = await store.ingest([item("app", "x.created", ["ep1"], "key-1")]);
      expect(again).toEqual({ id: a.event.id, deliveries: 2, duplicate: true });
    });

    // Tenants t1 and t2, which the tenants test below expects to find recorded.
    test("a key is per (source, scope, tenant): the same key under another tenant is another event, in one batch or two", async () => {
      const key = "key-tenants";
      const [t1, t2, t1Again, global, otherToken] = await store.ingest([
        item("app", "x.created", ["ep1"], key, undefined, { tenant: "t1", scope: "t" }),
        item("app", "x.created", ["ep1"], key, undefined, { tenant: "t2", scope: "t" }),
        item("app", "x.created", ["ep1"], key, undefined, { tenant: "t1", scope: "t" }),
        item("app", "x.created", ["ep1"], key, undefined, { scope: "t" }),
        item("app", "x.created", ["ep1"], key, undefined, { tenant: "t1", scope: "other" }),
      ]);
      expect([t1, t2, global, otherToken].map((r) => r!.duplicate)).toEqual([false, false, false, false]);
      expect(new Set([t1, t2, global, otherToken].map((r) => r!.id)).size).toBe(4);
      expect(t1Again).toEqual({ id: t1!.id, deliveries: 1, duplicate: true });
      const [later] = await store.ingest([item("app", "x.created", [], key, undefined, { tenant: "t2", scope: "t" })]);
      expect(later).toEqual({ id: t2!.id, deliveries: 1, duplicate: true });
    });

    test("ingest writes a source cursor in the same transaction", async () => {
      await store.ingest([item("poller", "p.q", [])], [{ id: "poller", cursor: { page: 3 } }]);
      expect(await store.getCursor("poller")).toEqual({ page: 3 });
    });

    test("setSourceHolder records who runs a source and keeps its cursor and status", async () => {
      await store.setSourceHolder("fresh", "host-a:1");
      await store.ingest([item("poller", "p.q", [])], [{ id: "poller", cursor: { page: 4 } }]);
      await store.setSourceHolder("poller", "host-b:2");
      const states = new Map((await store.admin.sourceStates()).map((s) => [s.id, s]));
      expect(states.get("fresh")).toMatchObject({ holder: "host-a:1", status: "starting", cursor: null });
      expect(states.get("poller")).toMatchObject({ holder: "host-b:2", status: "running" });
      expect(await store.getCursor("poller")).toEqual({ page: 4 });
    });

    test("claimDue leases due deliveries once; release makes them due again", async () => {
      const now = Date.now();
      await store.ingest([item("app", "c.one", ["ep2"], undefined, now - 10), item("app", "c.two", ["ep2"], undefined, now + 60_000)]);
      const first = await store.claimDue("ep2", now, now + 30_000, 100);
      const ids = first.map((c) => c.id);
      expect(first.every((c) => c.event.type.length > 0)).toBe(true);
      expect(first.some((c) => c.event.type === "c.two")).toBe(false);
      expect(await store.claimDue("ep2", now, now + 30_000, 100)).toEqual([]);
      await store.release(ids, now);
      expect((await store.claimDue("ep2", now, now + 30_000, 100)).map((c) => c.id).sort()).toEqual([...ids].sort());
    });

    test("claimDue takes one endpoint's earliest due deliveries up to the limit, each with its own event and attempt number", async () => {
      const now = Date.now();
      const items = [30, 10, 20].map((ago, k) => item("app", `s.${k}`, ["ep5", "ep6"], undefined, now - ago));
      await store.ingest(items);
      const shape = (claimed: Awaited<ReturnType<Store["claimDue"]>>) =>
        claimed.map((c) => ({ id: c.id, endpoint: c.endpoint_id, attempt: c.attempt, event: c.event })).sort((a, b) => a.event.type.localeCompare(b.event.type));
      const expected = (k: number, endpoint: string, attempt = 1) => ({ id: items[k]!.deliveries[endpoint === "ep5" ? 0 : 1]!.id, endpoint, attempt, event: items[k]!.event });
      expect(await store.claimDue("ep5", now, now + 30_000, 0)).toEqual([]);
      expect(shape(await store.claimDue("ep5", now, now + 30_000, 2))).toEqual([expected(0, "ep5"), expected(2, "ep5")]);
      expect(shape(await store.claimDue("ep5", now, now + 30_000, 10))).toEqual([expected(1, "ep5")]);
      expect(shape(await store.claimDue("ep6", now, now + 30_000, 10))).toEqual([0, 1, 2].map((k) => expected(k, "ep6")));
      expect(await store.event(items[1]!.event.id)).toEqual(items[1]!.event);
      expect(await store.event("evt_missing")).toBeUndefined();
    });

    test("recordAttempts writes each delivery's state and attempt in a batch larger than one statement's chunk", async () => {
      const items = Array.from({ length: 251 }, (_, k) => item("app", `b.${k}`, ["ep7"]));
      await store.ingest(items);
      const statuses = ["succeeded", "retrying", "failed"] as const;
      const deliveries = items.map((it, k) => ({
        id: it.deliveries[0]!.id, status: statuses[k % 3]!, attempts: (k % 5) + 1, next_attempt_at: k % 3 === 1 ? 1_000_000 + k : null,
      }));
      // The last success is the second from the end: the one failure after it is the streak.
      expect((await store.recordAttempts(deliveries.map((d) => attemptOutcome(d, "ep7", {})))).disabled).toEqual([]);
      for (const d of deliveries) expect(await store.admin.delivery(d.id, ALL)).toMatchObject(d);
      const attempts = await store.admin.attemptsOf(deliveries.map((d) => d.id));
      expect(deliveries.map((d) => attempts.get(d.id)!.map((a) => [a.number, a.request_body])))
        .toEqual(deliveries.map((d) => [[d.attempts, d.attempts % 2 ? null : `{"n":${d.attempts}}`]]));
      expect((await store.admin.endpoint("ep7", ALL))!.consecutiveFailures).toBe(1);
    });

    test("a 410 disables its endpoint at once with its reason; an endpoint already disabled is not reported again", async () => {
      const it = item("app", "g.one", ["ep8"]);
      await store.ingest([it]);
      const gone = (n: number) => attemptOutcome({ id: it.deliveries[0]!.id, status: "failed", attempts: n, next_attempt_at: null }, "ep8",
        { disableReason: "the receiver answered 410 Gone", autoDisableAfter: 100 });
      expect((await store.recordAttempts([gone(1)])).disabled).toEqual([{ id: "ep8", reason: "the receiver answered 410 Gone" }]);
      expect(await store.admin.endpoint("ep8", ALL)).toMatchObject({ enabled: false, disabledReason: "the receiver answered 410 Gone", consecutiveFailures: 1 });
      expect((await store.recordAttempts([gone(2)])).disabled).toEqual([]);
      expect((await store.admin.endpoint("ep8", ALL))!.consecutiveFailures).toBe(2);
    });

    test("meta keeps the first value written", async () => {
      expect(await store.getMeta("contract.check")).toBeNull();
      await store.setMetaIfAbsent("contract.check", "first");
      await store.setMetaIfAbsent("contract.check", "second");
      expect(await store.getMeta("contract.check")).toBe("first");
    });

    test("recordAttempts updates deliveries and disables after N consecutive failures", async () => {
      const now = Date.now();
      const [r] = await store.ingest([item("app", "r.one", ["ep1"], undefined, now - 1)]);
      const claimed = (await store.claimDue("ep1", now, now + 30_000, 1000)).find((c) => c.event.id === r!.id)!;
      const outcome = (n: number, success: boolean) => ({
        attempt: { id: newId("att"), delivery_id: claimed.id, endpoint_id: "ep1", number: n, trigger: "scheduled" as const, started_at: now, url: "u", request_headers: "{}", status_code: success ? 200 : 500, response_headers: "{}", response_body: "", duration_ms: 1, error: success ? null : "HTTP 500" },
        delivery: { id: claimed.id, status: (success ? "succeeded" : "retrying") as "succeeded" | "retrying", attempts: n, next_attempt_at: success ? null : now + 1000 },
        endpoint: { id: "ep1", success, at: now, statusCode: success ? 200 : 500, disableReason: null, autoDisableAfter: 3, autoDisableWindowMs: 0 },
      });
      expect((await store.recordAttempts([outcome(1, false), outcome(2, false)])).disabled).toEqual([]);
      expect((await store.recordAttempts([outcome(3, true)])).disabled).toEqual([]);
      expect((await store.admin.endpoint("ep1", ALL))!.consecutiveFailures).toBe(0);
      const { disabled } = await store.recordAttempts([outcome(4, false), outcome(5, false), outcome(6, false)]);
      expect(disabled).toEqual([{ id: "ep1", reason: expect.stringContaining("3 consecutive") }]);
      expect((await store.admin.endpoint("ep1", ALL))!.enabled).toBe(false);
      const attempts = await dbOf(store).selectFrom("attempts").select("number").where("delivery_id", "=", claimed.id).execute();
      expect(attempts.map((a) => a.number).sort()).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await store.setEndpointEnabled("ep1", true, null)).toBe(true);
      expect((await store.admin.endpoint("ep1", ALL))!.consecutiveFailures).toBe(0);
    });

    test("auto-disable needs the streak to be autoDisableWindow old; a success resets it; a build failure does not count", async () => {
      const now = Date.now();
      const [r] = await store.ingest([item("app", "w.one", ["ep3"], undefined, now - 1)]);
      const claimed = (await store.claimDue("ep3", now, now + 30_000, 1000)).find((c) => c.event.id === r!.id)!;
      let n = 0;
      const outcome = (success: boolean | null, at: number, windowMs: number) => ({
        attempt: { id: newId("att"), delivery_id: claimed.id, endpoint_id: "ep3", number: ++n, trigger: "scheduled" as const, started_at: at, url: "u", request_headers: "{}", request_body: null, status_code: success ? 200 : 500, response_headers: "{}", response_body: "", duration_ms: 1, error: success ? null : "HTTP 500" },
        delivery: { id: claimed.id, status: "retrying" as const, attempts: n, next_attempt_at: now + 1000 },
        endpoint: success === null ? null : { id: "ep3", success, at, statusCode: success ? 200 : 500, disableReason: null, autoDisableAfter: 2, autoDisableWindowMs: windowMs },
      });
      const row = async () => (await store.admin.endpoint("ep3", ALL))!;
      expect((await store.recordAttempts([outcome(false, now - 5_000, 10_000), outcome(false, now - 4_000, 10_000)])).disabled).toEqual([]);
      expect(await row()).toMatchObject({ consecutiveFailures: 2, failingSince: now - 5_000, enabled: true });
      expect((await store.recordAttempts([outcome(false, now, 10_000)])).disabled).toEqual([]); // 3 failures, but only 5 s of them
      expect((await store.recordAttempts([outcome(null, now, 0)])).disabled).toEqual([]); // hookgate's own failure: not counted
      expect((await row()).consecutiveFailures).toBe(3);
      expect((await store.recordAttempts([outcome(true, now, 10_000), outcome(false, now - 1, 10_000)])).disabled).toEqual([]);
      expect(await row()).toMatchObject({ consecutiveFailures: 1, failingSince: now - 1 });
      expect((await store.recordAttempts([outcome(true, now, 10_000)])).disabled).toEqual([]);
      expect(await row()).toMatchObject({ consecutiveFailures: 0, failingSince: null });
      await store.recordAttempts([outcome(false, now - 5_000, 4_000)]);
      const { disabled } = await store.recordAttempts([outcome(false, now, 4_000)]);
      expect(disabled).toEqual([{ id: "ep3", reason: expect.stringMatching(/2 consecutive failed attempts over [\d.]+ s/) }]);
      expect(await store.setEndpointEnabled("ep3", true, null)).toBe(true);
      expect(await row()).toMatchObject({ consecutiveFailures: 0, failingSince: null });
    });

    test("recordAttempts keeps the newest attempt's time and status on the endpoint row, without moving its stamp", async () => {
      const it = item("app", "last.one", ["ep6"]);
      await store.ingest([it]);
      const now = Date.now();
      const outcome = (n: number, status: "succeeded" | "retrying", at: number) =>
        attemptOutcome({ id: it.deliveries[0]!.id, status, attempts: n, next_attempt_at: null }, "ep6", {}, at);
      const last = async () => {
        const row = (await store.admin.endpoint("ep6", ALL))!;
        return { at: row.lastAttemptAt === null ? null : Number(row.lastAttemptAt), code: row.lastStatusCode };
      };
      expect(await last()).toEqual({ at: null, code: null });
      const stamp = await store.changes.version();
      await store.recordAttempts([outcome(1, "retrying", now - 3_000), outcome(2, "succeeded", now - 2_000), outcome(3, "retrying", now - 2_500)]);
      expect(await last()).toEqual({ at: now - 2_000, code: 200 }); // the newest by start, not the last in the batch
      await store.recordAttempts([outcome(4, "retrying", now - 5_000)]); // an older attempt recorded late
      expect(await last()).toEqual({ at: now - 2_000, code: 200 });
      await store.recordAttempts([outcome(5, "retrying", now)]);
      expect(await last()).toEqual({ at: now, code: 500 });
      await store.recordAttempts([attemptOutcome({ id: it.deliveries[0]!.id, status: "failed", attempts: 6, next_attempt_at: null }, "ep6", null, now + 1_000)]);
      expect(await last()).toEqual({ at: now, code: 500 }); // a request hookgate could not build never reached the receiver
      expect(await store.changes.version()).toBe(stamp); // attempts log no endpoint change: no process reloads endpoints per attempt
    });

    test("every claim counts a lease, so an attempt resent after a crash is numbered after the one that may have gone out", async () => {
      const now = Date.now();
      const fresh = item("app", "l.fresh", ["ep4"], undefined, now - 1);
      const reserved = item("app", "l.reserved", ["ep4"], undefined, now - 1);
      reserved.deliveries[0]!.leased = true; // ingest handed it to the dispatcher at once
      await store.ingest([fresh, reserved]);
      const numbers = async (until = now + 30_000) =>
        Object.fromEntries((await store.claimDue("ep4", now, until, 100)).map((c) => [c.event.type, c.attempt]));
      expect(await numbers(now - 1)).toEqual({ "l.fresh": 1, "l.reserved": 2 }); // leases end at once: as after a crash
      expect(await numbers()).toEqual({ "l.fresh": 2, "l.reserved": 3 });
      const ids = [fresh, reserved].map((i) => i.deliveries[0]!.id);
      await store.release(ids, now); // handed back unsent: the lease is given back too
      expect(await numbers()).toEqual({ "l.fresh": 2, "l.reserved": 3 });
      const manual = await store.leaseNow(ids[0]!);
      expect(manual?.attempt).toBe(3);
      expect(await store.leaseNow("dlv_missing")).toBeNull();
    });

    test("purge removes old finished events with their deliveries and attempts, never open ones", async () => {
      const old = receivedAt(item("app", "old.done", ["ep1"]), Date.now() - 40 * 86_400_000);
      const open = receivedAt(item("app", "old.open", ["ep1"]), Date.now() - 40 * 86_400_000);
      await store.ingest([old, open]);
      await dbOf(store).updateTable("deliveries").set({ status: "succeeded" }).where("event_id", "=", old.event.id).execute();
      const removed = await store.purge(Date.now() - 30 * 86_400_000);
      expect(removed).toBe(1);
      expect(await dbOf(store).selectFrom("events").select("id").where("id", "in", [old.event.id, open.event.id]).execute()).toEqual([{ id: open.event.id }]);
      expect(await dbOf(store).selectFrom("deliveries").select("id").where("event_id", "=", old.event.id).execute()).toEqual([]);
    });

    test("one purge run removes every expired finished event (12,000), in chunks that let ingest through", async () => {
      const day = 86_400_000;
      const expired = Array.from({ length: 12_000 }, () => item("app", "purge.old", ["ep1"]));
      const recent = item("app", "purge.recent", ["ep1"]);
      const open = item("app", "purge.open", ["ep1"]);
      for (const e of expired) receivedAt(e, Date.now() - 40 * day);
      receivedAt(open, Date.now() - 40 * day);
      receivedAt(recent, Date.now() - 10 * day);
      for (let i = 0; i < expired.length; i += 1_000) await store.ingest(expired.slice(i, i + 1_000));
      await store.ingest([recent, open]);
      // Finished: half succeeded, half failed, each with the attempt that finished it.
      const finished = [...expired, recent];
      for (let i = 0; i < finished.length; i += 500) {
        const part = finished.slice(i, i + 500);
        await dbOf(store).insertInto("attempts").values(part.map((e, k) => ({
          id: newId("att"), delivery_id: e.deliveries[0]!.id, endpoint_id: "ep1", number: 1, trigger: "scheduled" as const,
          started_at: e.event.received_at, url: "https://example.com/ep1", request_headers: "{}", status_code: k % 2 ? 200 : 410,
          response_headers: "{}", response_body: "", duration_ms: 3, error: null,
        }))).execute();
        for (const status of ["succeeded", "failed"] as const) {
          const ids = part.filter((_, k) => (k % 2 === 1) === (status === "succeeded")).map((e) => e.deliveries[0]!.id);
          if (ids.length) await dbOf(store).updateTable("deliveries").set({ status, attempts: 1, next_attempt_at: null }).where("id", "in", ids).execute();
        }
      }

      let purged = false;
      const purge = store.purge(Date.now() - 30 * day).then((n) => { purged = true; return n; });
      await Bun.sleep(1);
      await store.ingest([item("app", "purge.during", ["ep1"])]);
      expect(purged).toBe(false); // the ingest did not wait for the whole purge
      expect(await purge).toBe(12_000);

      const left = await dbOf(store).selectFrom("events").select("type").where("type", "like", "purge.%").orderBy("type").execute();
      expect(left.map((r) => r.type)).toEqual(["purge.during", "purge.open", "purge.recent"]);
      const ids = expired.map((e) => e.deliveries[0]!.id);
      for (let i = 0; i < ids.length; i += 1_000) {
        expect(await dbOf(store).selectFrom("deliveries").select("id").where("id", "in", ids.slice(i, i + 1_000)).execute()).toEqual([]);
        expect(await dbOf(store).selectFrom("attempts").select("id").where("delivery_id", "in", ids.slice(i, i + 1_000)).execute()).toEqual([]);
      }
      expect(await dbOf(store).selectFrom("attempts").select("id").where("delivery_id", "=", recent.deliveries[0]!.id).execute()).toHaveLength(1);
    });

    test("purge finds old events by their ids (made when they were received): recent ones are not read at all", async () => {
      // An event whose received_at alone says old (its id is from now) is outside the range the purge reads, so it
      // stays: the hourly purge of a store of recent events reads none of them (a filter on received_at read them all).
      const day = 86_400_000;
      const odd = item("app", "range.odd", ["ep1"]);
      odd.event.received_at = Date.now() - 40 * day;
      const old = receivedAt(item("app", "range.old", ["ep1"]), Date.now() - 40 * day);
      await store.ingest([odd, old]);
      await dbOf(store).updateTable("deliveries").set({ status: "succeeded" }).where("event_id", "in", [odd.event.id, old.event.id]).execute();
      expect(await store.purge(Date.now() - 30 * day)).toBe(1);
      expect(await dbOf(store).selectFrom("events").select("type").where("type", "like", "range.%").execute()).toEqual([{ type: "range.odd" }]);
    });

    test("purge removes old attempts whose delivery is gone (left by an older version), not recent ones", async () => {
      const day = 86_400_000;
      const orphan = (at: number) => ({
        // newId never goes back in time: the smallest id of that time stands for one made then.
        id: idFloor("att", at), delivery_id: `dlv_gone_${at}`, endpoint_id: "ep1", number: 1, trigger: "scheduled" as const, started_at: at, url: "u",
        request_headers: "{}", status_code: 200, response_headers: "{}", response_body: "", duration_ms: 1, error: null,
      });
      const [old, recent] = [orphan(Date.now() - 40 * day), orphan(Date.now() - day)];
      await dbOf(store).insertInto("attempts").values([old, recent]).execute();
      await store.purge(Date.now() - 30 * day);
      expect(await dbOf(store).selectFrom("attempts").select("id").where("id", "in", [old.id, recent.id]).execute()).toEqual([{ id: recent.id }]);
    });

    test("deleting an endpoint, an event or a delivery, by any statement, deletes what depends on it", async () => {
      await store.admin.insertEndpoint(endpointRow("cascade-ep"));
      const [toEp, toEvent, toDelivery] = [item("app", "c.ep", ["cascade-ep"]), item("app", "c.event", ["ep5", "ep6"]), item("app", "c.delivery", ["ep5"])];
      await store.ingest([toEp, toEvent, toDelivery]);
      const all = [toEp, toEvent, toDelivery].flatMap((i) => i.deliveries.map((d) => d.id));
      await store.recordAttempts(all.map((id) => attemptOutcome({ id, status: "retrying", attempts: 1, next_attempt_at: Date.now() + 60_000 }, "ep5", null)));
      const db = dbOf(store);
      await db.deleteFrom("endpoints").where("id", "=", "cascade-ep").execute();
      await db.deleteFrom("events").where("id", "=", toEvent.event.id).execute();
      await db.deleteFrom("deliveries").where("id", "=", toDelivery.deliveries[0]!.id).execute();
      expect(await db.selectFrom("deliveries").select("id").where("id", "in", all).execute()).toEqual([]);
      expect(await db.selectFrom("attempts").select("id").where("delivery_id", "in", all).execute()).toEqual([]);
      expect(await db.selectFrom("events").select("id").where("id", "in", [toEp.event.id, toDelivery.event.id]).execute()).toHaveLength(2);
    });

    test("an attempt in flight at its endpoint's delete records nothing, and the rest of its batch is written (no sweep to wait for)", async () => {
      await store.admin.insertEndpoint(endpointRow("late-ep"));
      const [gone, kept] = [item("app", "late.gone", ["late-ep"]), item("app", "late.kept", ["ep7"])];
      await store.ingest([gone, kept]);
      expect(await store.admin.deleteEndpoint("late-ep", ALL)).toBe(true);
      const batch = [attemptOutcome({ id: gone.deliveries[0]!.id, status: "succeeded", attempts: 1, next_attempt_at: null }, "late-ep", {}),
        attemptOutcome({ id: kept.deliveries[0]!.id, status: "succeeded", attempts: 1, next_attempt_at: null }, "ep7", {})];
      expect((await store.recordAttempts(batch)).disabled).toEqual([]);
      const db = dbOf(store);
      // Read as a restarted process would: nothing in memory is left to sweep it later.
      expect(await db.selectFrom("attempts").select("id").where("endpoint_id", "=", "late-ep").execute()).toEqual([]);
      expect(await db.selectFrom("attempts").select("delivery_id").where("delivery_id", "=", kept.deliveries[0]!.id).execute()).toHaveLength(1);
      expect(await db.selectFrom("deliveries").select("status").where("id", "=", kept.deliveries[0]!.id).executeTakeFirst()).toEqual({ status: "succeeded" });
    });

    test("reconcile keeps a runtime disable, and orphans become API-managed", async () => {
      await store.setEndpointEnabled("ep2", false, "manual");
      await store.reconcileConfigEndpoints([endpointRow("ep2")]);
      expect((await store.admin.endpoint("ep2", ALL))!.enabled).toBe(false);
      expect((await store.admin.endpoint("ep1", ALL))!.managedBy).toBe("api");
    });

    test("an endpoint's filter is kept as written, changed, removed, and set by the config", async () => {
      const filter = { $or: [{ data: { amount: { $gte: 1000 } } }, { data: { tags: { $in: ["eu", 5, null] } } }], type: { $regex: "^inv\\." } };
      await store.admin.insertEndpoint(storedEndpoint("filtered-ep", { filter }));
      expect((await store.endpoint("filtered-ep"))!.filter).toEqual(filter);
      expect(await store.admin.updateEndpoint("filtered-ep", { filter: { data: { x: 1 } } }, ALL)).toBe(true);
      expect((await store.admin.endpoint("filtered-ep", ALL))!.filter).toEqual({ data: { x: 1 } });
      expect(await store.admin.updateEndpoint("filtered-ep", { filter: null }, ALL)).toBe(true);
      expect((await store.endpoint("filtered-ep"))!.filter).toBeNull();
      await store.reconcileConfigEndpoints([storedEndpoint("cfg-filtered", { managedBy: "config", filter: { tenant: "t1" } })]);
      expect((await store.endpoint("cfg-filtered"))!.filter).toEqual({ tenant: "t1" });
      await store.reconcileConfigEndpoints([storedEndpoint("cfg-filtered", { managedBy: "config" })]);
      expect((await store.endpoint("cfg-filtered"))!.filter).toBeNull();
    });

    test("an endpoint's public keys are kept as written, rotated and cleared; the config sets the current one and keeps the previous", async () => {
      await store.admin.insertEndpoint(storedEndpoint("keyed-ep", { signing: { scheme: "ed25519", header: null }, publicKey: "whpk_a" }));
      expect(await store.endpoint("keyed-ep")).toEqual(expect.objectContaining({ publicKey: "whpk_a", previousPublicKey: null }));
      expect(await store.admin.updateEndpoint("keyed-ep", { publicKey: "whpk_b", previousPublicKey: "whpk_a", previousSecret: "s", previousSecretUntil: 5 }, ALL)).toBe(true);
      expect(await store.admin.endpoint("keyed-ep", ALL)).toEqual(expect.objectContaining({ signing: { scheme: "ed25519", header: null }, publicKey: "whpk_b", previousPublicKey: "whpk_a", previousSecretUntil: 5 }));
      expect(await store.admin.updateEndpoint("keyed-ep", { publicKey: null, previousPublicKey: null }, ALL)).toBe(true);
      expect(await store.endpoint("keyed-ep")).toEqual(expect.objectContaining({ publicKey: null, previousPublicKey: null }));
      await store.reconcileConfigEndpoints([storedEndpoint("cfg-keyed", { managedBy: "config", signing: { scheme: "ed25519", header: null }, publicKey: "whpk_c" })]);
      expect((await store.endpoint("cfg-keyed"))!.publicKey).toBe("whpk_c");
      await store.reconcileConfigEndpoints([storedEndpoint("cfg-keyed", { managedBy: "config" })]);
      expect((await store.endpoint("cfg-keyed"))!.publicKey).toBeNull();
    });

    test("ingest writes the event's tenant and each delivery's (its endpoint's), and records new tenants once", async () => {
      const [ofT1, again, global] = [item("app", "t.one", ["ep3", "ep4"]), item("app", "t.two", ["ep3"]), item("app", "t.three", ["ep4"])];
      for (const it of [ofT1, again]) { it.event.tenant = "t1"; it.deliveries[0]!.tenant = "t1"; }
      await store.ingest([ofT1, item("app", "t.other", []), { ...again }]);
      await store.ingest([global, { ...item("app", "t.four", []), event: { ...item("app", "t.four", []).event, tenant: "t2" } }]);
      const db = dbOf(store);
      const events = await db.selectFrom("events").select(["id", "tenant"]).where("id", "in", [ofT1.event.id, again.event.id, global.event.id]).orderBy("id").execute();
      expect(events.map((e) => e.tenant)).toEqual(["t1", "t1", null]);
      const deliveries = await db.selectFrom("deliveries").select(["endpoint_id", "tenant"]).where("event_id", "=", ofT1.event.id).orderBy("endpoint_id").execute();
      expect(deliveries).toEqual([{ endpoint_id: "ep3", tenant: "t1" }, { endpoint_id: "ep4", tenant: null }]);
      expect((await db.selectFrom("tenants").select("id").orderBy("id").execute()).map((r) => r.id)).toEqual(["t1", "t2"]);
    });
  });
}
