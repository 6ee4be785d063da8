import type { Endpoint } from "./endpoint.ts";
import type { UrlPolicy } from "../sender.ts";
import { toMs } from "../duration.ts";
import { DomainError, type Problems } from "../errors.ts";

/**
 * `tenants:` in the config as the endpoint lifecycle reads it (DESIGN section 9): what an endpoint a tenant's
 * admins or the app's API wrote may set and reach. Tenants are untrusted; ops, who write the config file, are not.
 */
export interface TenantLimits {
  maxTimeoutMs: number;
  minRetryDelay: string | number;
  maxAttempts: number;
  allowNetworks: readonly string[];
}

/** The defaults the config schema fills in (and a registry built without a config uses). */
export const TENANT_LIMIT_DEFAULTS: TenantLimits = Object.freeze({ maxTimeoutMs: 15_000, minRetryDelay: "5s", maxAttempts: 10, allowNetworks: Object.freeze([]) });

/** The one rule: an API-written endpoint of a tenant is under the limits; global and config endpoints are not. */
export function underTenantLimits(endpoint: Pick<Endpoint, "tenant" | "managedBy">): boolean {
  return endpoint.tenant !== null && endpoint.managedBy === "api";
}

/** Such an endpoint's address policy: delivery's https rule, with tenants.allowNetworks for delivery.allowNetworks. */
export function tenantPolicy<P extends UrlPolicy>(delivery: P, limits: Pick<TenantLimits, "allowNetworks">): P {
  return { ...delivery, allowNetworks: limits.allowNetworks, allowNetworksSetting: "tenants.allowNetworks" };
}

type Limited = { timeoutMs?: number | null; schedule?: readonly (string | number)[] | null };

/** A value past a limit: the field's problem, and the setting that limits it. */
type LimitProblem = Problems[number] & { limit: `tenants.${keyof TenantLimits}` };

/** The values a write sets past the limits (null and absent values are not checked), each naming its limit. */
export function limitProblems(options: Limited, limits: TenantLimits): LimitProblem[] {
  const problems: LimitProblem[] = [];
  if (options.timeoutMs != null && options.timeoutMs > limits.maxTimeoutMs) {
    problems.push({ path: "timeoutMs", limit: "tenants.maxTimeoutMs", message: `must be at most ${limits.maxTimeoutMs} (tenants.maxTimeoutMs in the config)` });
  }
  const schedule = options.schedule ?? [];
  const min = toMs(limits.minRetryDelay);
  schedule.forEach((delay, i) => {
    if (toMs(delay) < min) problems.push({ path: `schedule[${i}]`, limit: "tenants.minRetryDelay", message: `must be at least ${limits.minRetryDelay} (tenants.minRetryDelay in the config)` });
  });
  if (schedule.length + 1 > limits.maxAttempts) {
    problems.push({ path: "schedule", limit: "tenants.maxAttempts", message: `makes ${schedule.length + 1} attempts in all, past ${limits.maxAttempts} (tenants.maxAttempts in the config): list at most ${limits.maxAttempts - 1} delays` });
  }
  return problems;
}

/** Refuses a write past the limits, naming them, saving nothing. */
export function failLimits(problems: LimitProblem[]): void {
  if (!problems.length) return;
  const names = [...new Set(problems.map((p) => p.limit))];
  throw new DomainError("invalid", `the endpoint is past its tenant's limits (${names.join(", ")} in the config): nothing was saved`,
    problems.map(({ path, message }) => ({ path, message })));
}

/**
 * What such an endpoint runs with, whatever was stored (before a reload lowered the limits) or defaulted (a
 * delivery default past them): the timeout capped, delays raised to the minimum, the schedule cut to the attempts.
 */
export function withinLimits(timeoutMs: number, schedule: readonly (string | number)[], limits: TenantLimits): { timeoutMs: number; schedule: readonly (string | number)[] } {
  const min = toMs(limits.minRetryDelay);
  const cut = schedule.slice(0, Math.max(0, limits.maxAttempts - 1));
  return {
    timeoutMs: Math.min(timeoutMs, limits.maxTimeoutMs),
    schedule: cut.some((delay) => toMs(delay) < min) ? cut.map((delay) => Math.max(toMs(delay), min)) : cut,
  };
}
