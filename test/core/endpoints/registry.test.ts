import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EndpointRegistry, type EndpointDefaults } from "../../../src/core/endpoints/registry.ts";
import { openStore } from "../../../src/store/open.ts";
import type { Store } from "../../../src/store/types.ts";
import type { Endpoint } from "../../../src/core/endpoints/endpoint.ts";
import { storedEndpoint } from "../../support/store-db.ts";

/**
 * The registry holds every endpoint in memory (100,000 over 50,000 tenants in bench P6): identical read-only values
 * are one object shared by the endpoints that have them, and the sweep's list holds only the enabled ones.
 */
const defaults: EndpointDefaults = {
  schedule: ["5s", "1m"], timeoutMs: 10_000, autoDisableAfter: 0, autoDisableWindow: "1d", jitter: 0.1, circuitBreakerAfter: 0, maxConcurrencyPerEndpoint: 4,
};

let dir: string;
let store: Store;
let registry: EndpointRegistry;

const row = (id: string, fields: Partial<Endpoint> = {}) =>
  storedEndpoint(id, { url: `https://${id}.example/hooks`, events: ["order.*"], secret: `whsec_${"a".repeat(32)}`, ...fields });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hookgate-registry-"));
  store = openStore({ sqlite: join(dir, "s.db"), retention: "30d", synchronous: "normal" });
  await store.migrate();
  for (const r of [
    row("ep_a1", { tenant: "acme" }), row("ep_a2", { tenant: "acme", events: ["invoice.paid"] }), row("ep_b1", { tenant: "bolt" }),
    row("ep_g", { enabled: false }), row("ep_h", { tenant: "bolt", headers: { "x-team": "ops" }, options: { schedule: ["7s"] } }),
  ]) await store.admin.insertEndpoint(r);
  registry = new EndpointRegistry(store, { endpoints: [], defaults });
  await registry.refresh();
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (id: string) => registry.get(id)!;

describe("values shared between endpoints", () => {
  test("the same event list is one frozen array", () => {
    expect(get("ep_a1").events).toBe(get("ep_b1").events);
    expect(get("ep_a1").events).toEqual(["order.*"]);
    expect(Object.isFrozen(get("ep_a1").events)).toBe(true);
    expect(get("ep_a2").events).toEqual(["invoice.paid"]);
  });

  test("the default retry policy is one object; an endpoint's own schedule is its own", () => {
    expect(get("ep_a1").retry).toBe(get("ep_g").retry);
    expect(get("ep_a1").retry).toEqual({ schedule: [5_000, 60_000], jitter: 0.1 });
    expect(get("ep_h").retry).toEqual({ schedule: [7_000], jitter: 0.1 });
  });

  test("no headers is one empty object; headers stay the endpoint's", () => {
    expect(get("ep_a1").headers).toBe(get("ep_b1").headers);
    expect(get("ep_a1").headers).toEqual({});
    expect(get("ep_h").headers).toEqual({ "x-team": "ops" });
  });

  test("a refresh keeps an unchanged endpoint's object", async () => {
    const before = get("ep_a1");
    await registry.refresh();
    expect(get("ep_a1")).toBe(before);
  });
});

describe("routing and the sweep's list", () => {
  test("a tenant's event reaches its own endpoints of that type and the global ones, never another tenant's", () => {
    expect(registry.subscribed("order.created", "acme").map((e) => e.id).sort()).toEqual(["ep_a1", "ep_g"]);
    expect(registry.subscribed("order.created", "bolt").map((e) => e.id).sort()).toEqual(["ep_b1", "ep_g", "ep_h"]);
    expect(registry.subscribed("order.created", null).map((e) => e.id)).toEqual(["ep_g"]);
    expect(registry.subscribed("order.created", "nobody").map((e) => e.id)).toEqual(["ep_g"]);
  });

  test("enabled() lists only enabled endpoints and follows setEnabled", () => {
    const ids = () => [...registry.enabled()].map((e) => e.id).sort();
    expect(ids()).toEqual(["ep_a1", "ep_a2", "ep_b1", "ep_h"]);
    registry.setEnabled("ep_b1", false);
    registry.setEnabled("ep_g", true);
    expect(ids()).toEqual(["ep_a1", "ep_a2", "ep_g", "ep_h"]);
    expect(get("ep_b1").enabled).toBe(false);
  });
});
