/** Test helpers for /metrics: fetch a scrape and read its samples by name and labels. */
export const METRICS_TOKEN = "test-metrics-token-0123456789";

export interface Scrape {
  status: number;
  text: string;
  /** The value of the sample `name` whose labels include all of `labels` (undefined when none). */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample line (no # lines). */
  samples: string[];
}

export async function scrape(baseUrl: string, token: string | null = METRICS_TOKEN): Promise<Scrape> {
  const response = await fetch(`${baseUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  const samples = text.split("\n").filter((l) => l && !l.startsWith("#"));
  return {
    status: response.status, text, samples,
    value(name, labels = {}) {
      for (const line of samples) {
        const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
        if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
      }
      return undefined;
    },
  };
}
