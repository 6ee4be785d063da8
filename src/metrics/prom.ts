import type * as Prom from "prom-client";

/**
 * The parts of prom-client hookgate uses, each from its own module. prom-client's index also loads its
 * Pushgateway (node's http and https) and cluster aggregator, which hookgate never uses: about half of its
 * start (callgrind, compiled with the build's flags: 23M → 11M instructions). They are the same classes the
 * index exports, so `instanceof` holds across both.
 */
export const Registry = require("prom-client/lib/registry") as typeof Prom.Registry;
export const Counter = require("prom-client/lib/counter") as typeof Prom.Counter;
export const Gauge = require("prom-client/lib/gauge") as typeof Prom.Gauge;
export const Histogram = require("prom-client/lib/histogram") as typeof Prom.Histogram;
/** The default process_* and nodejs_* collectors, loaded on the first scrape (metrics/index.ts says why). */
export const collectDefaultMetrics = (config: Prom.DefaultMetricsCollectorConfiguration<Prom.RegistryContentType>): void =>
  (require("prom-client/lib/defaultMetrics") as typeof Prom.collectDefaultMetrics)(config);
