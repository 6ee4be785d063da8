import { InvalidEventsError, type EventInput, type SourceContext } from "./source.ts";

export interface EmitEach<T> {
  /** The item's event, or null for an item that only moves the cursor. */
  event(item: T): EventInput | null;
  /** The cursor after the item, committed with it; the batch commits the last item's. */
  state?(item: T): unknown;
  /** An item that is not a valid event: log it, and move the cursor past it if the source keeps one. */
  invalid(item: T, error: InvalidEventsError): void | Promise<void>;
  /**
   * The store refused these items (not for their content). Without it the error is thrown and nothing after
   * is tried; with it the other items are still tried, for a source that cannot read its input again.
   */
  failed?(items: T[], error: unknown): void;
}

/**
 * Emits `items` as one batch. One invalid event spoils a batch (nothing is stored), so then the items are
 * emitted one by one: the valid ones are stored, each invalid one goes to `invalid`. Returns the stored items.
 */
export async function emitEach<T>(ctx: Pick<SourceContext, "emit">, items: readonly T[], how: EmitEach<T>): Promise<T[]> {
  const events = items.flatMap((item) => how.event(item) ?? []);
  try {
    await ctx.emit(events, how.state && items.length ? { state: how.state(items.at(-1)!) } : undefined);
    return [...items];
  } catch (error) {
    if (!(error instanceof InvalidEventsError)) {
      if (!how.failed) throw error;
      how.failed([...items], error);
      return [];
    }
  }
  const stored: T[] = [];
  for (const item of items) {
    const event = how.event(item);
    try {
      await ctx.emit(event ? [event] : [], how.state ? { state: how.state(item) } : undefined);
      stored.push(item);
    } catch (error) {
      if (error instanceof InvalidEventsError) await how.invalid(item, error);
      else if (how.failed) how.failed([item], error);
      else throw error;
    }
  }
  return stored;
}
