/** B2: a BullMQ worker at `concurrency` doing the same signed POST as the plain fetch loop, until `count` jobs completed. */
import { Worker } from "bullmq";
import { keyOf, signedPost } from "../lib/signed-post.ts";

const { queue, url, secret, count, concurrency } = JSON.parse(process.argv[2]!) as { queue: string; url: string; secret: string; count: number; concurrency: number };
const key = keyOf(secret);
let completed = 0;
let failed = 0;
const done = Promise.withResolvers<void>();
const worker = new Worker(queue, async (job) => {
  const status = await signedPost(url, key, job.data.id, job.data.body);
  if (status >= 300) throw new Error(`HTTP ${status}`);
}, { connection: { host: "127.0.0.1", port: 6379, maxRetriesPerRequest: null }, concurrency });
worker.on("completed", () => { if (++completed >= count) done.resolve(); });
worker.on("failed", () => { failed++; });
await done.promise;
await worker.close();
console.log(JSON.stringify({ completed, failed }));
