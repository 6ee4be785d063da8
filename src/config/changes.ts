import type { Config } from "./schema.ts";

/** What a reload changes, as the "config reloaded" log line lists it. */
export interface ConfigChanges {
  endpoints: { added: string[]; changed: string[]; removed: string[] };
  /** Sources whose entry changed, or that are new or gone: these restart, the others keep running. */
  sources: { restarted: string[]; added: string[]; removed: string[] };
  tokens: boolean;
  catalog: boolean;
  delivery: boolean;
  tenants: boolean;
  /** `portal.*`: brand, theme, frame ancestors, languages (the next page load shows them). */
  portal: boolean;
  /** `server.*`, `store.*` and `metrics.*` keys that differ: they need a restart and keep their running values. */
  needRestart: string[];
}

/** A comparable text of a config value; a function compares by its source text (a changed `map` or `transform`). */
export function fingerprint(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v) => (typeof v === "function" ? `(function ${String(v)})` : v)) ?? "undefined";
  } catch {
    return `(unique ${Math.random()})`; // cannot be compared: treated as changed
  }
}

function diffById<T extends { id: string }>(before: readonly T[], after: readonly T[]) {
  const old = new Map(before.map((x) => [x.id, fingerprint(x)]));
  const now = new Map(after.map((x) => [x.id, fingerprint(x)]));
  return {
    added: [...now.keys()].filter((id) => !old.has(id)),
    changed: [...now.keys()].filter((id) => old.has(id) && old.get(id) !== now.get(id)),
    removed: [...old.keys()].filter((id) => !now.has(id)),
  };
}

/** The keys of a section whose values differ, as `section.key`. */
function changedKeys(section: string, before: object, after: object): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => fingerprint((before as Record<string, unknown>)[k]) !== fingerprint((after as Record<string, unknown>)[k])).map((k) => `${section}.${k}`);
}

/** Compares the running config with the reloaded one (both resolved: relative paths made absolute). */
export function configChanges(before: Config, after: Config): ConfigChanges {
  const sources = diffById(before.sources, after.sources);
  return {
    endpoints: diffById(before.endpoints, after.endpoints),
    sources: { restarted: sources.changed, added: sources.added, removed: sources.removed },
    tokens: fingerprint(before.admin) !== fingerprint(after.admin),
    catalog: fingerprint(before.events) !== fingerprint(after.events),
    delivery: fingerprint(before.delivery) !== fingerprint(after.delivery),
    tenants: fingerprint(before.tenants) !== fingerprint(after.tenants),
    portal: fingerprint(before.portal) !== fingerprint(after.portal),
    needRestart: [
      ...changedKeys("server", before.server, after.server), ...changedKeys("store", before.store, after.store),
      // The metric families' labels (metrics.perEndpoint) are fixed when they are registered.
      ...changedKeys("metrics", before.metrics, after.metrics),
    ],
  };
}

/** The log line's fields: only what changed. */
export function changeSummary(c: ConfigChanges): Record<string, unknown> {
  const nonEmpty = (o: Record<string, string[]>) => Object.fromEntries(Object.entries(o).filter(([, list]) => list.length));
  const endpoints = nonEmpty(c.endpoints);
  const sources = nonEmpty(c.sources);
  return {
    ...(Object.keys(endpoints).length ? { endpoints } : {}),
    ...(Object.keys(sources).length ? { sources } : {}),
    ...(c.tokens ? { tokens: true } : {}),
    ...(c.catalog ? { catalog: true } : {}),
    ...(c.delivery ? { delivery: true } : {}),
    ...(c.tenants ? { tenants: true } : {}),
    ...(c.portal ? { portal: true } : {}),
    ...(c.needRestart.length ? { needRestart: c.needRestart } : {}),
  };
}
