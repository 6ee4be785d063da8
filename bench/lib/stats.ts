/** Median and range of repeated runs, and percentiles of one run's samples. */
export interface Summary { median: number; min: number; max: number; runs: number[] }

export function summarize(runs: number[]): Summary {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs };
}

/** Nearest-rank percentile (p in 0..100) of samples sorted ascending. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const wallMs = () => performance.timeOrigin + performance.now();
