import type { LoadedConfig } from "../config/load.ts";

/**
 * Without `server.publicUrl` a session's url starts with the request's own origin, which its Host header decides:
 * whoever can reach the admin API with a forged Host gets a link to their own server with a live token in it.
 */
export const PUBLIC_URL_WARNING = "tenants are in use without server.publicUrl: tenant session urls (POST /api/v1/tenants/{id}/sessions) " +
  "start with the request's Host header, which a client can set (Host: evil.example gives http://evil.example/portal#token=…); " +
  'set server: { publicUrl: "https://hooks.example.com" } to the address your customers reach';

/** Whether the config names a tenant: a tenant endpoint, a token bound to one, or a per-tenant endpoint cap. */
export function configNamesTenants(loaded: LoadedConfig): boolean {
  const { config } = loaded;
  if (config.tenants.maxEndpoints !== undefined || config.endpoints.some((e) => e.tenant !== undefined)) return true;
  return loaded.sources.some((s) => s.type === "http" && (s.options as { tokens: { tenant?: string }[] }).tokens.some((t) => t.tenant !== undefined));
}

/**
 * The warning when tenants are in use (named by the config, or recorded in the store: the admin API makes them
 * too) and `server.publicUrl` is unset; null otherwise. `storeHasTenants` is asked only when the config is silent.
 */
export async function publicUrlWarning(loaded: LoadedConfig, storeHasTenants: () => Promise<boolean>): Promise<string | null> {
  if (loaded.config.server.publicUrl !== undefined) return null;
  return configNamesTenants(loaded) || (await storeHasTenants()) ? PUBLIC_URL_WARNING : null;
}
