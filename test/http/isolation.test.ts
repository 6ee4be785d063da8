import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { toEventRow } from "../../src/core/events.ts";
import { newId } from "../../src/core/ids.ts";
import { hashSessionToken } from "../../src/http/auth.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";
import { startAdminApp, type AdminApp } from "./support.ts";

// Servers, receivers and Postgres on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(60_000);

/** What one owner (tenant A, tenant B, or nobody: global) has in the store, and what must never leak of it. */
interface Owned { endpoint: string; url: string; secret: string; events: string[]; deliveries: string[]; attempts: string[] }
interface Operation { method: string; path: string; op: any }

/**
 * Tenant isolation on every operation of /docs/json, like the auth walk: a session of tenant A, sent against
 * tenant B's and the global endpoint's resources, answers 404 (as for an unknown id) or 403, never 2xx, and no
 * answer to A's session holds an id, URL or secret of B or of the global endpoint.
 */
for (const kind of ["sqlite", "postgres"] as const) {
  describe.skipIf(kind === "postgres" && skipPg)(`tenant isolation on every operation (${kind})`, () => {
    let app: AdminApp;
    let receiver: Receiver;
    let pg: TestDatabase | undefined;
    let operations: Operation[] = [];
    const owners: Record<"A" | "B" | "global", Owned> = {} as never;
    const SESSION = `hgs_${randomBytes(32).toString("base64url")}`;
    /** Every body A's session was answered with. */
    const answers: string[] = [];

    const asA = async (method: string, path: string, body?: unknown) => {
      const result = await app.api(method, path, body, SESSION);
      answers.push(JSON.stringify(result.body));
      return result;
    };

    /** An API endpoint with a test delivery, and an ingested event delivered to it (and, for a tenant, to the global endpoint). */
    async function seed(tenant: "A" | "B" | null): Promise<Owned> {
      const name = tenant ?? "global";
      const url = `${receiver.url}/${name}-only`;
      const created = await app.api("POST", "/endpoints", { url, events: ["*"], verify: false, ...(tenant && { tenant }) });
      expect(created.status).toBe(201);
      const endpoint = created.body.id as string;
      const sent = await app.api("POST", `/endpoints/${endpoint}/test`, {});
      expect(sent.status).toBe(200);
      const owned: Owned = { endpoint, url, secret: created.body.signingSecret, events: [sent.body.eventId], deliveries: [sent.body.deliveryId], attempts: [sent.body.id] };

      // An event of the tenant, as ingest stores it: to its endpoint, and to the global endpoint (a delivery of the global one).
      const now = Date.now();
      const event = { ...toEventRow(newId("evt", now), "app", { type: "order.created", data: { for: name } }, now), tenant };
      const own = { id: newId("dlv", now), endpoint_id: endpoint, next_attempt_at: now + 3_600_000 };
      const toGlobal = tenant ? [{ id: newId("dlv", now), endpoint_id: owners.global.endpoint, next_attempt_at: now + 3_600_000 }] : [];
      await app.store.ingest([{ event, deliveries: [own, ...toGlobal] }]);
      // Until ingest writes tenants itself: the event's, and each delivery's endpoint's.
      const db = dbOf(app.store);
      await db.updateTable("events").set({ tenant }).where("id", "=", event.id).execute();
      await db.updateTable("deliveries").set({ tenant }).where("id", "=", own.id).execute();
      for (const d of [own, ...toGlobal]) {
        const retried = await app.api("POST", `/deliveries/${d.id}/retry`, {});
        expect(retried.status).toBe(200);
        const target = d === own ? owned : owners.global;
        target.deliveries.push(d.id);
        target.attempts.push(retried.body.id);
      }
      owned.events.push(event.id);
      return owned;
    }

    beforeAll(async () => {
      receiver = startReceiver();
      if (kind === "postgres") pg = await createDatabase();
      app = await startAdminApp(pg ? { store: { postgres: pg.url } } : {});
      owners.global = await seed(null);
      owners.A = await seed("A");
      owners.B = await seed("B");
      await app.store.tenants.createSession({ hash: hashSessionToken(SESSION), tenant: "A", scopes: ["read", "write"], expiresAt: Date.now() + 3_600_000 }, Date.now());
      const doc = await (await fetch(`${app.url}/docs/json`)).json() as { paths: Record<string, Record<string, unknown>> };
      operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({
        method: method.toUpperCase(), path: path.replace(/^\/api\/v1/, ""), op,
      })));
    });
    afterAll(async () => {
      await app?.close();
      receiver.stop();
      await pg?.drop();
    });

    /** The ids of B and of the global endpoint, by the resource a path parameter names. */
    const foreign = (path: string): string[] => {
      const [B, G] = [owners.B, owners.global];
      const byResource: Record<string, string[]> = {
        endpoints: [B.endpoint, G.endpoint], deliveries: [...B.deliveries, ...G.deliveries], events: [...B.events, ...G.events], tenants: ["B"],
      };
      return byResource[path.split("/")[1]!] ?? [B.endpoint, G.endpoint, ...B.deliveries, ...B.events, "B"];
    };
    /** A minimal valid body: the operation's own example (the document's are safe to send), else {}. */
    const bodyOf = (o: Operation) => ["POST", "PATCH", "PUT"].includes(o.method) ? (o.op.requestBody?.content?.["application/json"]?.schema?.examples?.[0] ?? {}) : undefined;

    test("the document lists the whole API", () => {
      expect(operations.length).toBeGreaterThanOrEqual(15);
    });

    test("on B's and the global ids every operation answers 404 or 403, exactly as for an unknown id", async () => {
      for (const o of operations.filter((x) => x.path.includes("{"))) {
        const unknown = await asA(o.method, o.path.replace(/\{[^}]+\}/g, "nope_0123456789"), bodyOf(o));
        for (const id of foreign(o.path)) {
          const result = await asA(o.method, o.path.replace(/\{[^}]+\}/g, id), bodyOf(o));
          expect({ ...o, op: undefined, id, status: result.status }).toEqual({ ...o, op: undefined, id, status: [403, 404].includes(result.status) ? result.status : -1 });
          // The same body as for an id that never existed: nothing tells a foreign resource from a missing one.
          expect({ id, body: result.body }).toEqual({ id, body: unknown.body });
        }
      }
    });

    test("a list naming tenant B answers 403; creating in tenant B answers 422 on tenant", async () => {
      // Not POST /sessions/revoke: it would sign A's session out (me.test.ts covers it).
      for (const o of operations.filter((x) => !x.path.includes("{") && x.path !== "/sessions/revoke")) {
        const byTenant = (o.op.parameters ?? []).some((p: any) => p.in === "query" && p.name === "tenant");
        const creates = !!o.op.requestBody?.content?.["application/json"]?.schema?.properties?.tenant;
        if (byTenant) {
          const result = await asA(o.method, `${o.path}?tenant=B`);
          expect({ path: o.path, status: result.status }).toEqual({ path: o.path, status: 403 });
        } else if (creates) {
          const result = await asA(o.method, o.path, { url: `${receiver.url}/made-by-a`, events: ["*"], verify: false, tenant: "B" });
          expect({ path: o.path, status: result.status }).toEqual({ path: o.path, status: 422 });
          expect(result.body.errors.map((e: { path: string }) => e.path)).toEqual(["tenant"]);
        } else {
          // Not a tenant's resource (the catalog; /sources and /tenants are 403): no status to check, only what it says.
          const result = await asA(o.method, o.path, bodyOf(o));
          expect({ path: o.path, ok: result.status < 300 || [403, 404].includes(result.status) }).toEqual({ path: o.path, ok: true });
        }
      }
    });

    test("A's lists hold exactly A's resources, and A's event shows only A's deliveries", async () => {
      const ids = async (path: string) => ((await asA("GET", path)).body.data as { id: string }[]).map((r) => r.id).sort();
      expect(await ids("/endpoints")).toEqual([owners.A.endpoint]);
      expect(await ids("/events")).toEqual([...owners.A.events].sort());
      expect(await ids("/deliveries")).toEqual([...owners.A.deliveries].sort());
      expect(await ids("/endpoints?tenant=A")).toEqual([owners.A.endpoint]);
      for (const filter of [`endpoint=${owners.global.endpoint}`, `endpoint=${owners.B.endpoint}`, `event=${owners.B.events[1]}`]) {
        expect({ filter, ids: await ids(`/deliveries?${filter}`) }).toEqual({ filter, ids: [] });
      }
      const event = await asA("GET", `/events/${owners.A.events[1]}`);
      expect(event.status).toBe(200);
      expect(event.body.deliveries.map((d: { id: string }) => d.id)).toEqual([owners.A.deliveries[1]]);
      expect(event.body.deliveries[0].tenant).toBe("A");
      // The admin token sees the global endpoint's delivery of the same event.
      expect((await app.api("GET", `/events/${owners.A.events[1]}`)).body.deliveries).toHaveLength(2);
    });

    test("no answer to A's session holds an id, URL or secret of B or of the global endpoint", () => {
      expect(answers.length).toBeGreaterThan(operations.length);
      const needles = [owners.B, owners.global].flatMap((o) => [o.endpoint, o.url, o.secret, ...o.events, ...o.deliveries, ...o.attempts]);
      for (const needle of needles) {
        const leaks = answers.filter((text) => text.includes(needle));
        expect({ needle, leaks }).toEqual({ needle, leaks: [] });
      }
    });
  });
}
