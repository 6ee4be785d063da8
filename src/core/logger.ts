/** The logging port: what core (and a plugin) writes to; src/log.ts is the JSON-lines implementation. */
export interface Logger {
  /** Written only with HOOKGATE_LOG_LEVEL=debug: what is routine, such as a client going away mid-upload. */
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

type SummaryLevel = "info" | "warn" | "error";
interface Kind { at: number; suppressed: number; level: SummaryLevel; msg: string; fields: Record<string, unknown> | undefined }

/**
 * Repeated messages of one kind (a `key`: "attempt failed for endpoint X", "ingest refused: store error") write
 * their first line, then at most one line per interval carrying `suppressed`: how many were held back since the
 * last line. `flush()` writes the held-back counts (at shutdown) with `summary: true`. Usable by any component.
 */
export class Summarizer {
  private kinds = new Map<string, Kind>();

  constructor(private readonly log: Logger, readonly intervalMs = 10_000, private readonly now: () => number = Date.now) {}

  info(key: string, msg: string, fields?: Record<string, unknown>): void { this.note("info", key, msg, fields); }
  warn(key: string, msg: string, fields?: Record<string, unknown>): void { this.note("warn", key, msg, fields); }
  error(key: string, msg: string, fields?: Record<string, unknown>): void { this.note("error", key, msg, fields); }

  flush(): void {
    for (const kind of this.kinds.values()) {
      if (kind.suppressed === 0) continue;
      this.log[kind.level](kind.msg, { ...kind.fields, suppressed: kind.suppressed, summary: true });
      kind.suppressed = 0;
    }
  }

  private note(level: SummaryLevel, key: string, msg: string, fields: Record<string, unknown> | undefined): void {
    const now = this.now();
    const kind = this.kinds.get(key);
    if (kind && now - kind.at < this.intervalMs) {
      kind.suppressed++;
      kind.level = level; kind.msg = msg; kind.fields = fields;
      return;
    }
    const suppressed = kind?.suppressed ?? 0;
    this.log[level](msg, suppressed ? { ...fields, suppressed } : fields);
    if (kind) { kind.at = now; kind.suppressed = 0; kind.fields = undefined; return; }
    // Keys chosen by callers (endpoint ids, error kinds) are few; forget quiet ones if they are not.
    if (this.kinds.size >= 10_000) for (const [k, old] of this.kinds) if (old.suppressed === 0 && now - old.at >= this.intervalMs) this.kinds.delete(k);
    this.kinds.set(key, { at: now, suppressed: 0, level, msg, fields: undefined });
  }
}
