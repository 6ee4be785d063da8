import type { Kysely } from "kysely";
import type { Endpoint } from "../../src/core/endpoints/endpoint.ts";
import type { DB } from "../../src/store/schema.ts";
import { KyselyStore } from "../../src/store/store.ts";
import type { Store } from "../../src/store/types.ts";

/** The store's own connection, for a test's checks on rows the Store interface does not read. */
export function dbOf(store: Store): Kysely<DB> {
  if (!(store instanceof KyselyStore)) throw new Error("dbOf: not a KyselyStore");
  return store.db;
}

/**
 * An endpoint as the store keeps it, for a test that writes one straight to the store
 * (`store.admin.insertEndpoint`, `store.reconcileConfigEndpoints`): an enabled, global, API-managed endpoint that
 * takes every event, with `fields` over it.
 */
export function storedEndpoint(id: string, fields: Partial<Endpoint> = {}): Endpoint {
  return {
    id, tenant: null, url: `https://example.com/${id}`, description: "", events: ["*"], enabled: true, disabledReason: null, managedBy: "api",
    headers: {}, auth: null, signing: { scheme: "standard", header: null }, secret: "s", previousSecret: null, previousSecretUntil: null,
    publicKey: null, previousPublicKey: null,
    consecutiveFailures: 0, failingSince: null, lastAttemptAt: null, lastStatusCode: null, options: {}, filter: null, createdAt: 1, updatedAt: 1,
    ...fields,
  };
}
