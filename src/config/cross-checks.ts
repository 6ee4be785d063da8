import * as v from "valibot";
import type { PluginRegistry } from "../plugin-api/index.ts";
import { parseCidr } from "../outbound/address.ts";
import { unlistedTypes } from "../core/patterns.ts";
import { OPERATIONAL_CATALOG } from "../core/operational-events.ts";
import { checkEndpoint } from "./endpoint-checks.ts";
import { formatPath, isUnknownKey, toProblems, type Problem } from "./problems.ts";
import { ConfigSchema, EndpointSchema, type Config, type EndpointConfig } from "./schema.ts";
import { resolvePlugin, type LoadedSource } from "./plugins.ts";

/** The parts of a config the checks after the schema look at; each may come from a config that failed it elsewhere. */
export interface CheckedParts {
  store: Config["store"];
  delivery: Config["delivery"];
  events: Config["events"];
  endpoints: (EndpointConfig | null)[];
  sources: (Config["sources"][number] | null)[];
}

const entries = ConfigSchema.entries;
const SourceEntry = entries.sources.wrapped.item;

/**
 * The parts of a config value that pass the schema on their own, or once their unknown keys are left out (the
 * schema names those keys; the entry's other problems are still found); an endpoint that fails for another reason
 * is left out, a bad `delivery` falls back to the defaults. So the later checks still run when the schema failed.
 */
export function partsOf(value: unknown): CheckedParts {
  const raw = (value && typeof value === "object" ? value : {}) as Record<string, unknown>;
  const part = <S extends v.GenericSchema, F>(schema: S, input: unknown, fallback: F): v.InferOutput<S> | F => {
    const result = v.safeParse(schema, input);
    if (result.success) return result.output;
    const unknown = result.issues.filter(isUnknownKey);
    if (!unknown.length) return fallback;
    const known = v.safeParse(schema, unknown.reduce((rest, issue) => without(rest, (issue.path ?? []).map((p) => p.key)), input));
    return known.success ? known.output : fallback;
  };
  const list = (input: unknown) => (Array.isArray(input) ? input : []);
  return {
    store: part(entries.store, raw.store, v.parse(entries.store, undefined)),
    delivery: part(entries.delivery, raw.delivery, deliveryKeys(raw.delivery)),
    events: part(entries.events, raw.events, undefined),
    endpoints: list(raw.endpoints).map((e) => part(EndpointSchema, e, null)),
    sources: list(raw.sources).map((s) => part(SourceEntry, s, null)),
  };
}

/** A copy of `value` without the key at `path` (objects along the way are copied, functions in it kept). */
function without(value: unknown, path: unknown[]): unknown {
  if (!path.length || !value || typeof value !== "object") return value;
  const [key, ...rest] = path;
  const copy: Record<string, unknown> = Array.isArray(value) ? [...value] as unknown as Record<string, unknown> : { ...value };
  if (rest.length) copy[key as string] = without(copy[key as string], rest);
  else delete copy[key as string];
  return copy;
}

/** A `delivery` that failed the schema: its keys that pass alone over the defaults (a bad jitter keeps requireHttps: false). */
function deliveryKeys(input: unknown): Config["delivery"] {
  const delivery = { ...v.parse(entries.delivery, undefined) } as Record<string, unknown>;
  const keys = entries.delivery.wrapped.entries;
  for (const [key, value] of Object.entries(input && typeof input === "object" ? input : {})) {
    const schema = keys[key as keyof typeof keys];
    const result = schema ? v.safeParse(schema, value) : null;
    if (result?.success) delivery[key] = result.output;
  }
  return delivery as Config["delivery"];
}

/** The checks after the schema: networks, unique ids, endpoint URLs and secrets, catalog types, source plugins. */
export async function crossChecks(parts: CheckedParts, dir: string, plugins: PluginRegistry): Promise<{ problems: Problem[]; sources: LoadedSource[] }> {
  const problems: Problem[] = [];
  const validNetworks = parts.delivery.allowNetworks.filter((cidr, i) => {
    try { parseCidr(cidr); return true; } catch (e) {
      problems.push({ path: `delivery.allowNetworks[${i}]`, message: (e as Error).message });
      return false;
    }
  });
  const seen = new Set<string>();
  parts.endpoints.forEach((endpoint, i) => {
    if (!endpoint) return;
    if (seen.has(endpoint.id)) problems.push({ path: `endpoints[${i}].id`, message: `"${endpoint.id}" is used by another endpoint: ids must be unique` });
    seen.add(endpoint.id);
    problems.push(...checkEndpoint(endpoint, { ...parts.delivery, allowNetworks: validNetworks }, `endpoints[${i}]`));
    for (const { index, type } of unlistedTypes(endpoint.events, parts.events, OPERATIONAL_CATALOG)) {
      problems.push({ path: `endpoints[${i}].events[${index}]`, message: `unknown event type "${type}" (list it in events, or use a "prefix.*" pattern)` });
    }
  });

  const sources: LoadedSource[] = [];
  const sourceIds = new Set<string>();
  for (const [i, entry] of parts.sources.entries()) {
    if (!entry) continue;
    const at = (key?: string) => formatPath(key ? ["sources", i, key] : ["sources", i]);
    if (sourceIds.has(entry.id)) problems.push({ path: at("id"), message: `"${entry.id}" is used by another source: ids must be unique` });
    sourceIds.add(entry.id);
    const resolved = await resolvePlugin(entry, dir, plugins);
    if ("error" in resolved) { problems.push({ path: at(resolved.key), message: resolved.error }); continue; }
    const result = v.safeParse(resolved.plugin.options, resolved.rawOptions);
    if (!result.success) { problems.push(...toProblems(result.issues, resolved.prefix(i))); continue; }
    sources.push({ id: entry.id, type: entry.type, plugin: resolved.plugin, options: result.output });
  }
  return { problems, sources };
}
