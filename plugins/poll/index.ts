import { Cron } from "croner";
import { backoff, definePlugin, sleep, type EventInput, type SourceContext } from "../../src/plugin-api/index.ts";
import { httpPages, sqlPages, type PageSource } from "./fetch-page.ts";
import { PollOptions } from "./options.ts";

type Fn<T> = (item: unknown) => T | Promise<T>;

/**
 * `poll`: on a cron schedule, fetch pages of items after the stored cursor, map them to events, and
 * commit each page's events together with the cursor after it, so a crash neither skips nor repeats.
 */
function createPoll(options: PollOptions, ctx: SourceContext) {
  const map = (options.map as Fn<EventInput | null | undefined> | undefined) ?? ((item) => item as EventInput);
  const next = options.cursor as Fn<unknown> | undefined;
  let pages: PageSource | null = null;
  let job: Cron | null = null;
  let halt = new AbortController();
  let running: Promise<void> | null = null;
  let failures = 0;
  let notBefore = 0;

  async function run(): Promise<void> {
    if (Date.now() < notBefore || halt.signal.aborted || !pages) return;
    try {
      let cursor = await ctx.state.get();
      for (let page = 0; page < options.maxPages && !halt.signal.aborted; page++) {
        const items = await pages.fetch(cursor, halt.signal);
        if (items.length === 0) break;
        const events: EventInput[] = [];
        let after = cursor;
        for (const item of items) {
          const event = await map(item);
          if (event !== null && event !== undefined) events.push(event);
          if (next) after = (await next(item)) ?? after;
        }
        if (halt.signal.aborted) return; // stopped (another process may hold the source now): commit nothing more
        if (!next) { await ctx.emit(events); break; } // no cursor: the same request next time, so one page
        await ctx.emit(events, { state: after });
        if (JSON.stringify(after) === JSON.stringify(cursor)) break; // the cursor did not move: wait for the schedule
        cursor = after;
      }
      if (failures) ctx.report("running");
      failures = 0;
      notBefore = 0;
    } catch (error) {
      if (halt.signal.aborted) return;
      const delay = backoff(failures++, 1_000, 300_000);
      notBefore = Date.now() + delay;
      ctx.report("error", `poll failed (next try in ${Math.round(delay / 1000)} s or later): ${(error as Error).message}`);
    }
  }

  return {
    async start() {
      halt = new AbortController();
      pages = options.query ? sqlPages({ ...options, query: options.query }, `hookgate:${ctx.id}`) : httpPages(options, ctx.fetch, ctx.settings.maxBodyBytes);
      // protect: a run that outlasts the interval makes the next tick skip rather than overlap.
      job = new Cron(options.schedule, { protect: true }, () => {
        running = run().finally(() => { running = null; });
        return running;
      });
    },
    async stop() {
      halt.abort();
      job?.stop();
      job = null;
      if (running) await Promise.race([running, sleep(10_000)]);
      await pages?.close();
      pages = null;
    },
  };
}

export default definePlugin({ type: "poll", options: PollOptions, runOnce: () => true, create: createPoll });
