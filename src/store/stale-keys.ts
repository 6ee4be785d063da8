import { idFloor } from "../core/ids.ts";

/** A waiting ordered delivery as the repair reads it (hot-sql-build.ts `waitingSlice`). */
export interface WaitingRow { id: string; endpoint_id: string; ordering_key: string | null; created_at: number | string }

/** Waiting deliveries one slice of the repair reads: about 2 ms on SQLite's connection (the event loop) here. */
export const STALE_SLICE = 2_000;

const turn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The sweep's repair of ordered keys (DESIGN §13): every key whose first waiting delivery is older than `staleBefore`
 * and has none of its key under way gets it made due (a head deleted by retention or its event's delete, a key left
 * by an older version). Reads the waiting deliveries a slice at a time in id order, with the event loop turning between
 * slices: one statement over 100,000 waiting deliveries held SQLite's connection, and every request, for 62–85 ms
 * every 10 s. Only deliveries made before `staleBefore` are read (ids carry their time), so a store whose keys drain
 * reads next to nothing. The first row of a key in id order is its first waiting; `promote` makes it due unless the
 * key has one under way by then. Returns how many were made due.
 */
export async function promoteStaleKeys(
  read: (after: string, before: string, limit: number) => Promise<WaitingRow[]>,
  promote: (ids: string[]) => Promise<number>,
  staleBefore: number,
  slice = STALE_SLICE,
): Promise<number> {
  const before = idFloor("dlv", staleBefore);
  const seen = new Set<string>();
  let promoted = 0;
  for (let after = ""; ;) {
    const rows = await read(after, before, slice);
    const firsts: string[] = [];
    for (const row of rows) {
      const key = `${row.endpoint_id}\u0000${row.ordering_key}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (Number(row.created_at) < staleBefore) firsts.push(row.id);
    }
    if (firsts.length) promoted += await promote(firsts);
    if (rows.length < slice) return promoted;
    after = rows.at(-1)!.id;
    await turn();
  }
}
