import type { AppOptions } from "../app.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { SecretCodec } from "../core/endpoints/credentials.ts";
import { EndpointRegistry } from "../core/endpoints/registry.ts";
import { openSecrets } from "../secrets/index.ts";
import { openStore } from "../store/open.ts";
import { StoreLink } from "../store/outage.ts";
import { lockStore, type StoreLock } from "../store/store-lock.ts";
import { StoreWrites, storeLabel, storeOpenFailure } from "../store/store-errors.ts";
import type { Store } from "../store/types.ts";

/** The store, open and migrated, with what watches it and the endpoints reconciled into it. */
export interface OpenedStore {
  store: Store;
  registry: EndpointRegistry;
  lock: StoreLock | null;
  /** Counts the writes into the store's health (GET /health, /readyz). */
  writes: StoreWrites;
  /** Postgres out of reach: said once each way, /healthz and /readyz follow, deliveries pause (store/outage.ts). */
  link: StoreLink;
}

/**
 * Locks a SQLite store to this process (before anything reads or migrates it), opens and migrates it, opens the
 * endpoint secrets and reconciles the config's endpoints (every write of the start). A failure names the store.
 */
export async function openTheStore(loaded: LoadedConfig, options: AppOptions): Promise<OpenedStore> {
  const label = storeLabel(loaded.config.store);
  const writes = new StoreWrites(label);
  const link = new StoreLink(label, options.log.child({ component: "store" }), writes);
  const opened = await open(loaded, options, link).catch((e) => {
    // A full disk, a read-only file, Postgres down: say which store and what to do, not the driver's last word.
    const failure = storeOpenFailure(e, label);
    throw failure ? new Error(failure) : e;
  });
  link.arm();
  return { ...opened, writes, link };
}

async function open(loaded: LoadedConfig, options: AppOptions, link: StoreLink): Promise<{ store: Store; registry: EndpointRegistry; lock: StoreLock | null }> {
  const { config } = loaded;
  const file = config.store.postgres ? null : config.store.sqlite;
  const lock = file && file !== ":memory:" ? await lockStore(file) : null;
  if (lock?.warning) options.log.warn(lock.warning);
  let store: Store | null = null;
  try {
    store = openStore(config.store, options.log.child({ component: "store" }), link);
    await store.migrate();
    let codec: SecretCodec | undefined = options.codec;
    if (!codec) {
      // A wrong key must stop the start here: decrypting with it would sign deliveries with garbage.
      const secrets = await openSecrets(store, config.store);
      for (const warning of secrets.warnings) options.log.warn(warning);
      codec = secrets.codec;
    }
    const registry = new EndpointRegistry(store, { endpoints: config.endpoints, defaults: config.delivery, tenants: config.tenants }, codec);
    await registry.reconcile();
    return { store, registry, lock };
  } catch (e) {
    await store?.close().catch(() => {});
    lock?.release();
    throw e;
  }
}
