import type pg from "pg";
import { InvalidEventsError, type EventInput, type Source, type SourceContext } from "../../src/plugin-api/index.ts";
import { Listener } from "./listener.ts";
import type { PostgresOptions } from "./options.ts";

type Map = (payload: unknown) => EventInput | null | undefined | Promise<EventInput | null | undefined>;

/**
 * Notify mode: each notification's JSON payload is one event, through `map` when set. Postgres does not
 * keep notifications for a session that is not connected, so this mode loses what is sent meanwhile.
 */
export function createNotify(options: PostgresOptions, ctx: SourceContext): Source {
  const map = (options.map as Map | undefined) ?? ((payload) => payload as EventInput);
  let chain: Promise<void> = Promise.resolve(); // events are stored in the order they were notified
  let failing = false;
  const listener = new Listener(options.url, options.channel, ctx, {
    connected: () => {},
    notified: (message) => { chain = chain.then(() => handle(message)); },
  });

  async function handle(message: pg.Notification): Promise<void> {
    const text = message.payload ?? "";
    let event: EventInput | null | undefined;
    try {
      event = await map(JSON.parse(text));
    } catch (error) {
      ctx.log.error("notification skipped: its payload is not JSON or map threw", { payload: text.slice(0, 1_000), error: String(error) });
      return;
    }
    if (event === null || event === undefined) return;
    try {
      await ctx.emit([event]);
      if (failing) { failing = false; ctx.report("running"); }
    } catch (error) {
      const why = error instanceof InvalidEventsError ? "is not a valid event" : "could not be stored";
      ctx.log.error(`notification skipped: it ${why}`, { payload: text.slice(0, 1_000), error: (error as Error).message });
      if (!(error instanceof InvalidEventsError)) {
        failing = true;
        ctx.report("error", `a notification could not be stored: ${(error as Error).message}`);
      }
    }
  }

  return {
    start: () => listener.start(),
    async stop() {
      await listener.stop();
      await chain;
    },
  };
}
