import type { Registry } from "prom-client";
import * as client from "./prom.ts";
import type { Backlog } from "../store/admin-queries.ts";
import type { MetricsOptions } from "./index.ts";

/** How old the store's backlog figures may be on a scrape: a scrape every second still reads the store once per 5 s. */
export const BACKLOG_REFRESH_MS = 5_000;

/**
 * The backlog gauges (`hookgate_deliveries`, `hookgate_delivery_lag_seconds`, `hookgate_endpoints`), so that one
 * broken endpoint never reads as hookgate falling behind (DESIGN 11): disabled endpoints and those whose breaker is
 * open are left out of the lag, and the breaker's are counted as `held`. A scrape reads
 * the store only when the last read is older than `refreshMs` (scrapes at the same moment share one read); a
 * failed read keeps the last figures and says so in the log.
 */
export class BacklogReader {
  private last: Backlog | null = null;
  private readAt = -Infinity;
  private reading: Promise<void> | null = null;

  constructor(private readonly options: Pick<MetricsOptions, "backlog" | "perEndpoint" | "refreshMs" | "log">, registers: Registry[]) {
    const perEndpoint = options.perEndpoint ? ["endpoint"] : [];
    const read = () => this.current();
    new client.Gauge({
      name: "hookgate_deliveries",
      help: "Deliveries not finished, by status (pending: not attempted yet; retrying: waiting for the next attempt; held: of an endpoint whose circuit breaker is open, waiting for its probe to succeed).",
      labelNames: [...perEndpoint, "status"], registers,
      async collect() {
        const backlog = await read();
        this.reset();
        if (!options.perEndpoint) for (const status of ["pending", "retrying", "held"] as const) this.labels(status).set(0);
        for (const d of backlog?.deliveries ?? []) this.labels(...(d.endpoint === null ? [] : [d.endpoint]), d.status).set(d.count);
      },
    });
    new client.Gauge({
      name: "hookgate_delivery_lag_seconds",
      help: "How long the oldest due delivery that no attempt has taken yet has waited (0 when none), of enabled endpoints whose circuit breaker does not hold them.",
      labelNames: perEndpoint, registers,
      async collect() {
        const backlog = await read();
        this.reset();
        if (!options.perEndpoint) this.set((backlog?.lag[0]?.ms ?? 0) / 1000);
        else for (const l of backlog?.lag ?? []) this.labels(l.endpoint!).set(l.ms / 1000);
      },
    });
    new client.Gauge({
      name: "hookgate_endpoints", help: "Endpoints by state (disabled: by an admin, a 410, or a sustained failure streak).",
      labelNames: ["state"], registers,
      async collect() {
        const backlog = await read();
        this.labels("enabled").set(backlog?.endpoints.enabled ?? 0);
        this.labels("disabled").set(backlog?.endpoints.disabled ?? 0);
      },
    });
  }

  private async current(): Promise<Backlog | null> {
    const now = Date.now();
    if (now - this.readAt >= (this.options.refreshMs ?? BACKLOG_REFRESH_MS)) {
      this.reading ??= this.options.backlog(now).then(
        (backlog) => { this.last = backlog; },
        (e) => this.options.log.warn("metrics: reading the backlog from the store failed (the gauges keep their last values)", { error: String(e) }),
      ).finally(() => { this.readAt = Date.now(); this.reading = null; });
    }
    if (this.reading) await this.reading;
    return this.last;
  }
}
