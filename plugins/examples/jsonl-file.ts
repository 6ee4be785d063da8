import { resolve } from "node:path";
import { definePlugin, emitEach, v, type EventInput } from "hookgate";

/**
 * Tails a JSON-lines file: each complete line `{"type": "...", "data": ...}` is one event. The byte
 * offset read so far is the cursor, committed with the events in one transaction, so a restart
 * neither skips nor repeats a line.
 */
export default definePlugin({
  type: "jsonl-file",
  options: v.strictObject({
    /** The file to tail, relative to the config file's folder. */
    path: v.pipe(v.string(), v.minLength(1, "name the file to tail")),
    /** How often to look for new lines, in milliseconds. */
    every: v.optional(v.pipe(v.number(), v.integer(), v.minValue(50)), 500),
  }),

  // create does no I/O: it only wires the source up. start and stop do the work.
  create(options, ctx) {
    const file = resolve(ctx.settings.configDir, options.path);
    let timer: Timer | null = null;
    let reading: Promise<void> | null = null;
    let failing = false;

    async function readNewLines(): Promise<void> {
      const offset = ((await ctx.state.get()) as number | undefined) ?? 0;
      const handle = Bun.file(file);
      if (!(await handle.exists()) || handle.size <= offset) return;
      const bytes = new Uint8Array(await handle.slice(offset).arrayBuffer());
      const lines: { event: EventInput | null; next: number }[] = [];
      let start = 0;
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i] !== 0x0a) continue; // a line without its newline is still being written
        const text = new TextDecoder().decode(bytes.subarray(start, i)).trim();
        let event: EventInput | null = null;
        try { event = text ? JSON.parse(text) : null; } catch { ctx.log.warn("skipped a line that is not JSON", { file, text }); }
        lines.push({ event, next: offset + i + 1 });
        start = i + 1;
      }
      if (lines.length === 0) return;
      // Commits the events, their deliveries and the new offset together. One bad line spoils a batch:
      // then the lines go one by one, and a bad one is skipped (logged, and its offset committed).
      await emitEach(ctx, lines, {
        event: (line) => line.event,
        state: (line) => line.next,
        async invalid(line, error) {
          ctx.log.warn("skipped a line that is not a valid event", { file, problems: error.message });
          await ctx.state.set(line.next);
        },
      });
    }

    function tick(): void {
      reading ??= readNewLines()
        .then(() => { if (failing) ctx.report("running"); failing = false; })
        .catch((error) => { failing = true; ctx.report("error", error); }) // retried on the next tick
        .finally(() => { reading = null; });
    }

    return {
      async start() {
        timer ??= setInterval(tick, options.every);
        tick();
      },
      // Idempotent, and safe after a failed start: let a read in flight commit, then stop.
      async stop() {
        if (timer) clearInterval(timer);
        timer = null;
        await reading;
      },
    };
  },
});
