/** The benchmark's events: about 1 KB of data each, with the sender's clock in `data.t`. */
const PAD = "x".repeat(1000);

export const EVENT_TYPE = "bench.event";

/** `tenant`: the event's customer (P6), else a global event; `key`: its ordering key (P2o). */
export function eventJson(t: number, n: number, tenant?: string, key?: string, type = EVENT_TYPE): string {
  return `{"type":"${type}",${tenant ? `"tenant":"${tenant}",` : ""}${key ? `"orderingKey":"${key}",` : ""}"data":{"t":${t},"n":${n},"pad":"${PAD}"}}`;
}

/** A delivery body as hookgate sends it (DESIGN section 4), for the peer and the plain fetch loop. */
export function deliveryJson(id: string, t: number, n: number): string {
  return `{"id":"${id}","type":"${EVENT_TYPE}","timestamp":"${new Date(t).toISOString()}","data":{"t":${t},"n":${n},"pad":"${PAD}"}}`;
}
