import type { Limits } from "../core/delivery/limits.ts";

export type { Limits };

/** FNV-1a: spreads endpoints over processes, so the odd slots do not all fall on the same one. */
function spread(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * This process's part of an endpoint's limits when `count` live processes share them and this one is `rank`-th
 * among them by id. The slots are split exactly, so the cluster never has more than `maxConcurrency` in flight:
 * with fewer slots than processes, only `maxConcurrency` processes send for the endpoint (the others get 0 and
 * leave its deliveries in the store); the senders split `rateLimit` evenly (a token bucket's burst is its rate,
 * so each burst is a share too).
 */
export function shareOf(endpointId: string, limits: Limits, rank: number, count: number): Limits {
  if (count <= 1) return limits;
  const senders = Math.min(count, limits.maxConcurrency);
  const place = (rank + spread(endpointId)) % count;
  const rateLimit = limits.rateLimit === null ? null : limits.rateLimit / senders;
  if (place >= senders) return { rateLimit, maxConcurrency: 0 };
  return { rateLimit, maxConcurrency: Math.floor(limits.maxConcurrency / senders) + (place < limits.maxConcurrency % senders ? 1 : 0) };
}
