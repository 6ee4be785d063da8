import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { verifyBuildWorkPro } from "../support/verifiers.ts";
import { ADMIN_TOKEN, expectProblem, sessionOf, startAdminApp, type AdminApp } from "./support.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

let app: AdminApp;
let receiver: Receiver;

beforeAll(async () => {
  receiver = startReceiver();
  app = await startAdminApp();
});
afterAll(async () => { await app.close(); receiver.stop(); });
beforeEach(() => { receiver.requests.length = 0; receiver.respond(() => new Response("ok")); });

/** A fresh API endpoint on its own path of the receiver, so tests can tell their requests apart. */
async function endpoint(events: string[], extra: Record<string, unknown> = {}) {
  const path = `/hooks/${Math.random().toString(36).slice(2)}`;
  const url = receiver.url.replace("/hooks", path);
  const result = await app.api("POST", "/endpoints", { url, events, verify: false, ...extra });
  expect(result.status).toBe(201);
  return { ...result.body as { id: string; signingSecret: string }, path, requests: () => receiver.requests.filter((r) => r.path === path) };
}
const ingest = async (type: string, data: unknown = {}) => (await (await app.post({ type, data })).json() as { id: string }).id;
const delivery = async (id: string) => (await app.api("GET", `/deliveries/${id}`)).body;
const deliveryOf = async (eventId: string, endpointId: string) => (await app.api("GET", `/deliveries?event=${eventId}&endpoint=${endpointId}`)).body.data[0];

describe("rotating a secret", () => {
  test("during the grace both signatures go out, the new one first; a real receiver verifies either", async () => {
    const ep = await endpoint(["rot.*"]);
    const rotated = await app.api("POST", `/endpoints/${ep.id}/rotate-secret`, { graceSeconds: 3600 });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.signingSecret as string;
    expect(fresh).toStartWith("whsec_");
    expect(fresh).not.toBe(ep.signingSecret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(3_500_000);

    await ingest("rot.one");
    await waitFor(() => ep.requests().length === 1, { timeoutMs: 5000, what: "the delivery" });
    const request = ep.requests()[0]!;
    const parts = request.headers["webhook-signature"]!.split(" ");
    expect(parts).toHaveLength(2);
    const signed = `${request.headers["webhook-id"]}.${request.headers["webhook-timestamp"]}.${request.body}`;
    const expected = (secret: string) => `v1,${createHmac("sha256", Buffer.from(secret.slice(6), "base64")).update(signed).digest("base64")}`;
    expect(parts).toEqual([expected(fresh), expected(ep.signingSecret)]);
    expect(() => new Webhook(fresh).verify(request.body, request.headers)).not.toThrow();
    expect(() => new Webhook(ep.signingSecret).verify(request.body, request.headers)).not.toThrow();

    // A second rotation without grace: only the newest secret signs.
    const again = await app.api("POST", `/endpoints/${ep.id}/rotate-secret`, { graceSeconds: 0 });
    expect(again.body.previousSecretExpiresAt).toBeNull();
    await ingest("rot.two");
    await waitFor(() => ep.requests().length === 2, { timeoutMs: 5000, what: "the second delivery" });
    const second = ep.requests()[1]!;
    expect(second.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(() => new Webhook(again.body.signingSecret).verify(second.body, second.headers)).not.toThrow();
    expect(() => new Webhook(fresh).verify(second.body, second.headers)).toThrow();
  });

  test("stripe scheme: two v1= during the grace, and the reference verifier accepts the new secret", async () => {
    const ep = await endpoint(["rot.stripe"], { signing: { scheme: "stripe" } });
    const { body } = await app.api("POST", `/endpoints/${ep.id}/rotate-secret`);
    await ingest("rot.stripe");
    await waitFor(() => ep.requests().length === 1, { timeoutMs: 5000, what: "the delivery" });
    const request = ep.requests()[0]!;
    expect(request.headers["webhook-signature"]!.match(/v1=/g)).toHaveLength(2);
    expect(verifyBuildWorkPro(request.headers["webhook-signature"]!, request.body, body.signingSecret)).toBe(true);
  });

  test("the grace period is bounded and checked", async () => {
    const ep = await endpoint(["x"]);
    const problem = expectProblem(await app.api("POST", `/endpoints/${ep.id}/rotate-secret`, { graceSeconds: -1 }), 422);
    expect(problem.errors[0].path).toBe("graceSeconds");
  });
});

describe("test events", () => {
  test("a ping to that endpoint only, sent now, answered with the attempt", async () => {
    const ep = await endpoint(["*"]);
    const bystander = await endpoint(["*"]);
    const result = await app.api("POST", `/endpoints/${ep.id}/test`);
    expect(result.status).toBe(200);
    expect(result.body).toEqual(expect.objectContaining({ number: 1, trigger: "manual", outcome: "succeeded", statusCode: 200, responseBody: "ok" }));
    expect(ep.requests()).toHaveLength(1);
    expect(JSON.parse(ep.requests()[0]!.body)).toEqual(expect.objectContaining({ id: result.body.eventId, type: "ping" }));
    const event = (await app.api("GET", `/events/${result.body.eventId}`)).body;
    expect(event).toEqual(expect.objectContaining({ type: "ping", source: "admin" }));
    expect(event.deliveries).toEqual([expect.objectContaining({ id: result.body.deliveryId, endpointId: ep.id, status: "succeeded" })]);
    await Bun.sleep(200);
    expect(bystander.requests()).toHaveLength(0);
  });

  test("any type and data, listed in the endpoint's events or not", async () => {
    const ep = await endpoint(["job.*"]);
    const result = await app.api("POST", `/endpoints/${ep.id}/test`, { type: "invoice.paid", data: { amount: 42 } });
    expect(result.body.statusCode).toBe(200);
    expect(JSON.parse(ep.requests()[0]!.body)).toEqual(expect.objectContaining({ type: "invoice.paid", data: { amount: 42 } }));
    expectProblem(await app.api("POST", `/endpoints/${ep.id}/test`, { type: "not a type" }), 422);
  });
});

describe("test events with deep data", () => {
  const sendTest = (id: string, body: string) => fetch(`${app.url}/api/v1/endpoints/${id}/test`, {
    method: "POST", body, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
  });
  const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

  test("data may nest 64 levels; 65 is 422 with the path data, and nothing is sent", async () => {
    const ep = await endpoint(["*"]);
    expect((await sendTest(ep.id, `{"type":"job.deep","data":${nested(64)}}`)).status).toBe(200);
    const response = await sendTest(ep.id, `{"type":"job.deep","data":${nested(65)}}`);
    const problem = expectProblem({ status: response.status, headers: response.headers, body: await response.json() }, 422);
    expect(problem.errors).toEqual([{ path: "data", message: expect.stringContaining("64") }]);
    expect(ep.requests()).toHaveLength(1);
  });

  test("1 MB nested 500,000 deep is refused fast, never a 500", async () => {
    const ep = await endpoint(["*"]);
    const started = performance.now();
    const response = await sendTest(ep.id, `{"type":"job.deep","data":${nested(500_000)}}`);
    // 422 here; 413 once admin bodies are capped below 1 MB. Before the limit: a stack overflow, 500.
    expect([413, 422]).toContain(response.status);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(ep.requests()).toHaveLength(0);
  });
});

describe("the delivery log", () => {
  test("every attempt with its number, time, request, status, response headers and body, duration and outcome", async () => {
    const ep = await endpoint(["log.*"], { auth: { type: "bearer", token: "receiver-secret-token" } });
    receiver.respond((req) => req.path === ep.path && ep.requests().length === 1
      ? new Response("busy", { status: 503, headers: { "retry-after": "0", "x-trace": "a1" } })
      : new Response('{"ok":true}', { headers: { "x-trace": "b2" } }));
    const eventId = await ingest("log.entry", { n: 1 });
    await waitFor(async () => (await deliveryOf(eventId, ep.id))?.status === "succeeded", { timeoutMs: 5000, what: "success on the second attempt" });
    const d = await delivery((await deliveryOf(eventId, ep.id)).id);
    expect(d).toEqual(expect.objectContaining({ eventId, eventType: "log.entry", endpointId: ep.id, status: "succeeded", nextAttemptAt: null }));
    expect(d.attempts.map((a: any) => [a.number, a.trigger, a.statusCode, a.outcome])).toEqual([[1, "scheduled", 503, "failed"], [2, "scheduled", 200, "succeeded"]]);
    const [first, second] = d.attempts;
    expect(first.responseBody).toBe("busy");
    expect(first.responseHeaders["x-trace"]).toBe("a1");
    expect(first.error).toBe("HTTP 503");
    expect(second.responseBody).toBe('{"ok":true}');
    expect(second.error).toBeNull();
    for (const a of d.attempts) {
      expect(a.url).toContain(ep.path);
      expect(Number.isNaN(Date.parse(a.startedAt))).toBe(false);
      expect(a.durationMs).toBeGreaterThanOrEqual(0);
      expect(a.requestHeaders["webhook-id"]).toBe(eventId);
      expect(a.requestHeaders["webhook-attempt"]).toBe(String(a.number));
      expect(a.requestHeaders.authorization).toBe("Bearer [redacted]");
    }
  });

  test("every attempt shows the exact body sent as requestBody (the default envelope and a test event)", async () => {
    const ep = await endpoint(["body.*"]);
    const eventId = await ingest("body.one", { n: 1, s: "ü" });
    await waitFor(async () => (await deliveryOf(eventId, ep.id))?.status === "succeeded", { timeoutMs: 5000, what: "delivered" });
    const [attempt] = (await deliveryOf(eventId, ep.id)).attempts;
    expect(attempt.requestBody).toBe(ep.requests()[0]!.body);
    // Within the admin API's 64 KiB body cap, but the envelope around it passes 64 KiB: the record keeps the first 64 KiB.
    const tested = await app.api("POST", `/endpoints/${ep.id}/test`, { type: "body.test", data: { big: "x".repeat(65_480) } });
    expect(tested.status).toBe(200);
    expect(ep.requests()[1]!.body.length).toBeGreaterThan(65_536);
    expect(tested.body.requestBody).toBe(ep.requests()[1]!.body.slice(0, 65_536));
    expect(tested.body.requestBody).toHaveLength(65_536);
  });

  test("a transformed body is recorded as sent", async () => {
    const other = await startAdminApp({
      endpoints: [{ id: "shaped", url: receiver.url.replace("/hooks", "/hooks/shaped"), events: ["*"], secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        transform: (e: { id: string; type: string; data: unknown }) => ({ event: e.type, ref: e.id, payload: e.data }) }] as never,
    });
    try {
      const eventId = (await (await other.post({ type: "shape.me", data: { k: 1 } })).json() as { id: string }).id;
      let d: any;
      await waitFor(async () => (d = (await other.api("GET", `/deliveries?event=${eventId}`)).body.data[0])?.status === "succeeded", { timeoutMs: 5000, what: "delivered" });
      const sent = receiver.requests.find((r) => r.path === "/hooks/shaped")!.body;
      expect(JSON.parse(sent)).toEqual({ event: "shape.me", ref: eventId, payload: { k: 1 } });
      expect(d.attempts[0].requestBody).toBe(sent);
    } finally {
      await other.close();
    }
  });

  test("a delivery waiting for its next attempt shows when", async () => {
    const ep = await endpoint(["wait.*"], { schedule: ["1h"] });
    receiver.respond(() => new Response("no", { status: 500 }));
    const eventId = await ingest("wait.one");
    await waitFor(async () => (await deliveryOf(eventId, ep.id))?.status === "retrying", { timeoutMs: 5000, what: "retrying" });
    const d = await deliveryOf(eventId, ep.id);
    expect(Date.parse(d.nextAttemptAt) - Date.now()).toBeGreaterThan(3_000_000);
  });
});

describe("retry and recover", () => {
  test("retry: one attempt now whatever the status, recorded as manual", async () => {
    const ep = await endpoint(["retry.*"]);
    receiver.respond(() => new Response("bad", { status: 400 }));
    const eventId = await ingest("retry.me");
    await waitFor(async () => (await deliveryOf(eventId, ep.id))?.status === "failed", { timeoutMs: 5000, what: "failed for good" });
    receiver.respond(() => new Response("fixed"));
    const id = (await deliveryOf(eventId, ep.id)).id;
    const result = await app.api("POST", `/deliveries/${id}/retry`);
    expect(result.status).toBe(200);
    expect(result.body).toEqual(expect.objectContaining({ number: 2, trigger: "manual", statusCode: 200, outcome: "succeeded", deliveryId: id, eventId }));
    const d = await delivery(id);
    expect(d.status).toBe("succeeded");
    expect(d.attempts.map((a: any) => a.trigger)).toEqual(["scheduled", "manual"]);
    // A succeeded delivery can be sent again too.
    expect((await app.api("POST", `/deliveries/${id}/retry`)).body.number).toBe(3);
  });

  test("recover: re-queues the endpoint's failed deliveries whose event arrived in [since, until)", async () => {
    const ep = await endpoint(["rec.*"]);
    const other = await endpoint(["rec.*"]);
    receiver.respond(() => new Response("gone wrong", { status: 422 }));
    const early = await ingest("rec.early");
    await Bun.sleep(30);
    const cut = new Date().toISOString();
    await Bun.sleep(30);
    const late = await ingest("rec.late");
    for (const e of [early, late]) for (const x of [ep, other]) await waitFor(async () => (await deliveryOf(e, x.id))?.status === "failed", { timeoutMs: 5000, what: "failed" });
    receiver.respond(() => new Response("ok"));

    const recovered = await app.api("POST", `/endpoints/${ep.id}/recover`, { since: cut });
    expect(recovered.body).toEqual({ requeued: 1 });
    await waitFor(async () => (await deliveryOf(late, ep.id)).status === "succeeded", { timeoutMs: 5000, what: "the late one delivered" });
    expect((await deliveryOf(early, ep.id)).status).toBe("failed");
    expect((await deliveryOf(late, other.id)).status).toBe("failed"); // another endpoint's are untouched

    const before = await app.api("POST", `/endpoints/${ep.id}/recover`, { since: "2020-01-01T00:00:00Z", until: cut });
    expect(before.body).toEqual({ requeued: 1 });
    await waitFor(async () => (await deliveryOf(early, ep.id)).status === "succeeded", { timeoutMs: 5000, what: "the early one delivered" });
    expect((await app.api("POST", `/endpoints/${ep.id}/recover`, { since: "2020-01-01T00:00:00Z" })).body).toEqual({ requeued: 0 });
  });

  test("recover checks its window", async () => {
    const ep = await endpoint(["rec.*"]);
    expect(expectProblem(await app.api("POST", `/endpoints/${ep.id}/recover`, {}), 422).errors[0].path).toBe("since");
    expect(expectProblem(await app.api("POST", `/endpoints/${ep.id}/recover`, { since: "yesterday" }), 422).errors[0].path).toBe("since");
    expect(expectProblem(await app.api("POST", `/endpoints/${ep.id}/recover`, { since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" }), 422).errors[0].path).toBe("until");
  });
});

describe("a tenant endpoint's deliveries", () => {
  test("carry the endpoint's tenant; its session tests, reads, retries and recovers them", async () => {
    const { body: ep } = await app.api("POST", "/endpoints", { url: receiver.url, events: ["*"], verify: false, tenant: "acme" });
    const session = await sessionOf(app, "acme");
    const sent = await app.api("POST", `/endpoints/${ep.id}/test`, {}, session);
    expect(sent.status).toBe(200);
    const delivery = await app.api("GET", `/deliveries/${sent.body.deliveryId}`, undefined, session);
    expect(delivery.body).toEqual(expect.objectContaining({ id: sent.body.deliveryId, endpointId: ep.id, tenant: "acme", eventId: sent.body.eventId }));
    const event = await app.api("GET", `/events/${sent.body.eventId}`, undefined, session);
    expect(event.body).toEqual(expect.objectContaining({ tenant: "acme", deliveries: [expect.objectContaining({ id: sent.body.deliveryId })] }));
    expect((await app.api("POST", `/deliveries/${sent.body.deliveryId}/retry`, {}, session)).status).toBe(200);
    expect((await app.api("POST", `/endpoints/${ep.id}/recover`, { since: "2026-01-01T00:00:00Z" }, session)).body).toEqual({ requeued: 0 });
    expect((await app.api("POST", `/endpoints/${ep.id}/rotate-secret`, {}, session)).status).toBe(200);
    // A global endpoint's test delivery stays global, and invisible to the session.
    const global = await app.api("POST", "/endpoints", { url: receiver.url, events: ["*"], verify: false });
    const globalSent = await app.api("POST", `/endpoints/${global.body.id}/test`, {});
    expect((await app.api("GET", `/deliveries/${globalSent.body.deliveryId}`)).body.tenant).toBeNull();
    expectProblem(await app.api("GET", `/deliveries/${globalSent.body.deliveryId}`, undefined, session), 404);
  });
});
