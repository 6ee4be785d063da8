import { expect, test } from "bun:test";
import { prepareRequest } from "../../src/core/prepare-request.ts";
import type { RuntimeEndpoint } from "../../src/core/endpoints/registry.ts";
import { Lane } from "../../src/core/delivery/lane.ts";
import type { EventRow } from "../../src/store/schema.ts";
import { verify } from "node:crypto";
import { generateKeyPair, privateKeyObject, publicKeyObject } from "../../src/core/ed25519.ts";

const event: EventRow = {
  id: "evt_1", source: "app", type: "a.b", timestamp: "2026-03-14T16:45:00.000Z", data: '{"x":1}',
  dedupe_key: "evt_1", idempotency_key: null, received_at: 0, tenant: null, ordering_key: null,
};
const endpoint = (previousUntil: number | null): RuntimeEndpoint => ({
  id: "ep", tenant: null, tenantLimited: false, url: "https://example.com", enabled: true, events: ["*"], scheme: "standard", header: "webhook-signature",
  secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_dGhpcyBpcyB0aGUgb2xkIHNlY3JldCBrZXkgISE="], signingKeys: [], previousUntil,
  headers: {}, auth: null, transform: null, filter: null, retry: { schedule: [], jitter: 0 }, timeoutMs: 1000, autoDisableAfter: 0, autoDisableWindowMs: 0, circuitBreakerAfter: 0, maxConcurrency: 1, rateLimit: null, ordering: null,
});

test("the old secret signs during its grace, and stops the moment the grace ends", () => {
  const now = 1_800_000_000_000;
  const during = prepareRequest(endpoint(now + 1), event, "dlv_1", 1, now).headers["webhook-signature"]!;
  const after = prepareRequest(endpoint(now), event, "dlv_1", 1, now).headers["webhook-signature"]!;
  expect(during.split(" ")).toHaveLength(2);
  expect(after.split(" ")).toEqual([during.split(" ")[0]!]);
});

test("ed25519: the old key signs during its grace (v1a,new v1a,old), and stops the moment the grace ends", () => {
  const now = 1_800_000_000_000;
  const keys = [generateKeyPair(), generateKeyPair()];
  const ed = (previousUntil: number): RuntimeEndpoint => ({
    ...endpoint(previousUntil), scheme: "ed25519", secrets: keys.map((k) => k.privateKey), signingKeys: keys.map((k) => privateKeyObject(k.privateKey)),
  });
  const during = prepareRequest(ed(now + 1), event, "dlv_1", 1, now);
  const after = prepareRequest(ed(now), event, "dlv_1", 1, now).headers["webhook-signature"]!;
  const parts = during.headers["webhook-signature"]!.split(" ");
  expect(parts.map((p) => p.slice(0, 4))).toEqual(["v1a,", "v1a,"]);
  const bytes = Buffer.from(`evt_1.${Math.floor(now / 1000)}.${during.body}`);
  expect(verify(null, bytes, publicKeyObject(keys[0]!.publicKey), Buffer.from(parts[0]!.slice(4), "base64"))).toBe(true);
  expect(verify(null, bytes, publicKeyObject(keys[1]!.publicKey), Buffer.from(parts[1]!.slice(4), "base64"))).toBe(true);
  expect(after.split(" ")).toEqual([parts[0]!]);
  // The attempt log shows the signature (public data), never a key.
  expect(JSON.stringify(during.loggedHeaders)).not.toContain(keys[0]!.privateKey.slice(5));
});

test("the body is the event envelope, built from the stored JSON", () => {
  const request = prepareRequest(endpoint(null), event, "dlv_1", 3, 1_800_000_000_000);
  expect(JSON.parse(request.body)).toEqual({ id: "evt_1", type: "a.b", timestamp: "2026-03-14T16:45:00.000Z", data: { x: 1 } });
  expect(request.headers["webhook-attempt"]).toBe("3");
  expect(request.headers["webhook-timestamp"]).toBe("1800000000");
});

test("a lane gives up a queued job to a manual attempt", () => {
  const lane = new Lane();
  for (const id of ["a", "b", "c"]) lane.push({ deliveryId: id, endpointId: "ep", attempt: 1, event, trigger: "scheduled" });
  expect(lane.shift()!.deliveryId).toBe("a");
  expect(lane.remove("a")).toBe(false); // already taken
  expect(lane.remove("c")).toBe(true);
  expect(lane.queued).toBe(1);
  expect(lane.shift()!.deliveryId).toBe("b");
  expect(lane.shift()).toBeUndefined();
});
