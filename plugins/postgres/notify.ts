import type pg from "pg";
import { emitEach, type EventInput, type Source, type SourceContext } from "../../src/plugin-api/index.ts";
import { Listener } from "./listener.ts";
import type { PostgresOptions } from "./options.ts";

type Map = (payload: unknown) => EventInput | null | undefined | Promise<EventInput | null | undefined>;
interface Mapped { event: EventInput; payload: string }

/**
 * Notify mode: each notification's JSON payload is one event, through `map` when set. Postgres does not
 * keep notifications for a session that is not connected, so this mode loses what is sent meanwhile.
 */
export function createNotify(options: PostgresOptions, ctx: SourceContext): Source {
  const map = (options.map as Map | undefined) ?? ((payload) => payload as EventInput);
  const queue: pg.Notification[] = [];
  let working: Promise<void> | null = null;
  let failing = false;
  const listener = new Listener(options.url, options.channel, ctx, {
    connected: () => {},
    notified: (message) => {
      queue.push(message);
      working ??= work().finally(() => { working = null; });
    },
  });

  /** Notifications that arrive while a batch is being stored wait and go together, in order. */
  async function work(): Promise<void> {
    while (queue.length) {
      const batch = (await Promise.all(queue.splice(0, 500).map(toEvent))).filter((m): m is Mapped => m !== null);
      let stored = true;
      await emitEach(ctx, batch, {
        event: (m) => m.event,
        invalid: (m, error) => skipped(m.payload, "is not a valid event", error),
        // Postgres does not keep a notification: log what was lost and go on with the rest.
        failed: (ms, error) => { storeFailed(ms, error); stored = false; },
      });
      if (stored && failing) { failing = false; ctx.report("running"); }
    }
  }

  async function toEvent(message: pg.Notification): Promise<Mapped | null> {
    const payload = message.payload ?? "";
    try {
      const event = await map(JSON.parse(payload));
      return event === null || event === undefined ? null : { event, payload };
    } catch (error) {
      skipped(payload, "has a payload that is not JSON, or map threw", error);
      return null;
    }
  }

  function skipped(payload: string, why: string, error: unknown): void {
    ctx.log.error(`notification skipped: it ${why}`, { payload: payload.slice(0, 1_000), error: (error as Error).message });
  }

  function storeFailed(batch: Mapped[], error: unknown): void {
    for (const m of batch) skipped(m.payload, "could not be stored", error);
    failing = true;
    ctx.report("error", `notifications could not be stored: ${(error as Error).message}`);
  }

  return {
    start: () => listener.start(),
    async stop() {
      await listener.stop();
      await working;
    },
  };
}
