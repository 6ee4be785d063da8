import { Cron } from "croner";
import * as v from "valibot";
import { Auth, Duration, HeaderName, HeaderValue } from "../../src/plugin-api/index.ts";

/** Why a cron pattern cannot be used, or null: croner throws on a bad one. */
export function cronProblem(pattern: string): string | null {
  try {
    const job = new Cron(pattern, { paused: true });
    const next = job.nextRun();
    job.stop();
    return next ? null : "never runs: no date matches this cron pattern";
  } catch (error) {
    const reason = (error as Error).message.replace(/^CronPattern:\s*/, "").replace(/\.$/, "");
    return `is not a valid cron pattern (${reason}): e.g. "*/30 * * * * *" for every 30 seconds or "*/5 * * * *" for every 5 minutes`;
  }
}

const Schedule = v.pipe(
  v.string(),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = cronProblem(dataset.value);
    if (problem) addIssue({ message: problem });
  }),
);

const isHttp = (url: string) => /^https?:\/\//i.test(url);

export const PollOptions = v.pipe(
  v.strictObject({
    /** Cron pattern; 6 fields when it starts with seconds. Runs never overlap. */
    schedule: Schedule,
    /** http(s) URL to GET (may hold `{cursor}`), or a postgres:// URL when `query` is set. */
    url: v.string(),
    /** SQL to run against `url`; the cursor is `$1` (null on the first run). */
    query: v.optional(v.pipe(v.string(), v.minLength(1))),
    headers: v.optional(v.record(HeaderName, HeaderValue)),
    auth: v.optional(Auth),
    /** Picks the array of items from the answer (default: the answer itself). */
    items: v.optional(v.function()),
    /** Turns an item into an event `{ type, data, id? }`, or null to skip it (default: the item is the event). */
    map: v.optional(v.function()),
    /** The cursor after an item; the last item's is kept for the next request. */
    cursor: v.optional(v.function()),
    timeout: v.optional(Duration, 30_000),
    /** Requests per run while pages keep coming (each page is committed before the next). */
    maxPages: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 100),
  }),
  v.forward(v.check((o) => o.query !== undefined || isHttp(o.url), 'must be an http(s) URL, or a postgres:// URL with query set'), ["url"]),
  v.forward(v.check((o) => o.query === undefined || /^postgres(ql)?:\/\//.test(o.url), 'must be a postgres:// URL when query is set'), ["url"]),
  v.forward(v.check((o) => o.query === undefined || (!o.headers && !o.auth && !o.items), "headers, auth and items apply to http polling only: with query each row is an item"), ["query"]),
);
export type PollOptions = v.InferOutput<typeof PollOptions>;
