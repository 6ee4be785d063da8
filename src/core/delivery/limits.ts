/** An endpoint's delivery limits, whole or a process's part of them. */
export interface Limits {
  rateLimit: number | null;
  maxConcurrency: number;
}
