import { dirname, resolve } from "node:path";
import type { Config } from "../config/schema.ts";
import type { Store } from "../store/types.ts";
import { AesGcmCodec } from "./codec.ts";
import { loadMasterKey } from "./key.ts";

export { AesGcmCodec, SecretDecryptError } from "./codec.ts";

const CHECK_KEY = "secrets.check";
const CHECK_TEXT = "hookgate secrets key check";

export interface OpenedSecrets {
  codec: AesGcmCodec;
  source: string;
  warnings: string[];
}

/** Where the key file lives: beside the SQLite file, or ./data for a Postgres store. */
export function dataDirOf(store: Config["store"], cwd = process.cwd()): string {
  return store.sqlite && store.sqlite !== ":memory:" ? dirname(store.sqlite) : resolve(cwd, "data");
}

/**
 * Loads the secrets key and proves it is the one the store was set up with: the store keeps one value
 * encrypted with it. A different key fails the start here, so no delivery is ever signed with garbage.
 */
export async function openSecrets(store: Store, storeConfig: Config["store"], env: Record<string, string | undefined> = process.env): Promise<OpenedSecrets> {
  const master = loadMasterKey(env, dataDirOf(storeConfig));
  const codec = new AesGcmCodec(master.key);
  // Insert-if-absent: of two processes starting at once on an empty store with different keys, one writes its
  // check and the other reads it back, fails to open it and refuses to start before writing anything sealed.
  await store.setMetaIfAbsent(CHECK_KEY, codec.encrypt(CHECK_TEXT));
  const check = await store.getMeta(CHECK_KEY);
  let matches = false;
  try { matches = check !== null && codec.decrypt(check) === CHECK_TEXT; } catch { matches = false; }
  if (!matches) {
    throw new Error(`the secrets key from ${master.source} does not open this store's endpoint secrets: ${wrongKeyFix(master, storeConfig)}`);
  }
  const warnings = [...master.warnings];
  // Said once, on the start that made the key: without it the endpoint secrets in the store cannot be opened.
  if (master.created) warnings.push(`created the secrets key ${master.source}: back it up with the store (without it, endpoint secrets cannot be read; or set HOOKGATE_MASTER_KEY)`);
  if (storeConfig.postgres && master.source !== "HOOKGATE_MASTER_KEY") {
    warnings.push(`endpoint secrets are encrypted with ${master.source}: every process sharing this Postgres store needs the same key (set HOOKGATE_MASTER_KEY)`);
  }
  return { codec, source: master.source, warnings };
}

/** The fix a wrong key's message names: on a shared Postgres store, most likely another process's key is the one. */
function wrongKeyFix(master: { source: string; created: boolean }, storeConfig: Config["store"]): string {
  const shared = storeConfig.postgres
    ? "; every process on one Postgres store must use the same key (set the same HOOKGATE_MASTER_KEY on each)"
    : "";
  if (master.source === "HOOKGATE_MASTER_KEY") return `set HOOKGATE_MASTER_KEY to the key the store was set up with${shared}`;
  const missing = master.created ? " (it was just created: the old one is missing)" : "";
  return `restore the original ${master.source}${missing} or set HOOKGATE_MASTER_KEY to the original key${shared}`;
}
