/** The benchmark's events: about 1 KB of data each, with the sender's clock in `data.t`. */
const PAD = "x".repeat(1000);

export const EVENT_TYPE = "bench.event";

/** What varies between the benchmarks' events. */
export interface EventShape {
  /** The event's customer (P6), else a global event. */
  tenant?: string;
  /** Its ordering key (P2o). */
  key?: string;
  type?: string;
  /** `data.account` (P1f: what each endpoint's filter names). */
  account?: string;
}

export function eventJson(t: number, n: number, { tenant, key, type = EVENT_TYPE, account }: EventShape = {}): string {
  return `{"type":"${type}",${tenant ? `"tenant":"${tenant}",` : ""}${key ? `"orderingKey":"${key}",` : ""}"data":{${account ? `"account":"${account}",` : ""}"t":${t},"n":${n},"pad":"${PAD}"}}`;
}

/** A delivery body as hookgate sends it (DESIGN section 4), for the peer and the plain fetch loop. */
export function deliveryJson(id: string, t: number, n: number): string {
  return `{"id":"${id}","type":"${EVENT_TYPE}","timestamp":"${new Date(t).toISOString()}","data":{"t":${t},"n":${n},"pad":"${PAD}"}}`;
}
