/**
 * Copies the WAL into the database file on a second connection in a worker thread, so the writer's own
 * checkpoints (every 1,000 pages, a blocking copy and fsync on the event loop, 10-70 ms on this class of disk)
 * find almost nothing left to copy. PASSIVE never waits for or blocks readers and writers; the writer's
 * auto-checkpoint stays on as the bound on the WAL's size. Durability is the writer's: each commit still
 * fsyncs the WAL (synchronous FULL); the checkpointer fsyncs the database file at its own level.
 */
const WORKER = `
import { Database } from "bun:sqlite";
let db = null;
let timer = null;
self.onmessage = ({ data }) => {
  if (data.stop) {
    // Closing last (after the writer) lets this connection fold the WAL back and remove it.
    clearInterval(timer);
    try { db?.close(); } catch {}
    postMessage("closed");
    return;
  }
  db = new Database(data.file);
  db.exec("PRAGMA busy_timeout = 0");
  db.exec("PRAGMA synchronous = " + data.synchronous);
  timer = setInterval(() => { try { db.exec("PRAGMA wal_checkpoint(PASSIVE)"); } catch {} }, data.everyMs);
};
`;

export interface Checkpointer { stop(): Promise<void> }

/** Starts a moment after the store opens, so the worker's own start does not compete with the gateway's. */
export function startCheckpointer(file: string, synchronous: "FULL" | "NORMAL", everyMs = 100, delayMs = 1_000): Checkpointer {
  const url = URL.createObjectURL(new Blob([WORKER], { type: "application/javascript" }));
  let worker: Worker | null = null;
  const timer = setTimeout(() => {
    worker = new Worker(url, { smol: true } as WorkerOptions);
    worker.unref();
    worker.postMessage({ file, synchronous, everyMs });
  }, delayMs);
  timer.unref();
  return {
    async stop() {
      clearTimeout(timer);
      const w = worker as Worker | null;
      if (w) {
        const closed = new Promise<void>((resolve) => w.addEventListener("message", () => resolve(), { once: true }));
        w.postMessage({ stop: true });
        await Promise.race([closed, new Promise((r) => setTimeout(r, 2_000).unref())]);
        w.terminate();
      }
      URL.revokeObjectURL(url);
    },
  };
}
