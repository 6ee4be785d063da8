/** L1: the physical limit of delivery: a plain Bun fetch loop sending `count` signed POSTs at `concurrency`. */
import { deliveryJson } from "../lib/body.ts";
import { keyOf, signedPost } from "../lib/signed-post.ts";
import { wallMs } from "../lib/stats.ts";

const { url, secret, count, concurrency } = JSON.parse(process.argv[2]!) as { url: string; secret: string; count: number; concurrency: number };
const key = keyOf(secret);
const startedAt = wallMs();
let next = 0;
let errors = 0;
const worker = async () => {
  while (next < count) {
    const n = next++;
    const id = `evt_fetchloop_${n}`;
    try {
      if ((await signedPost(url, key, id, deliveryJson(id, wallMs(), n))) >= 300) errors++;
    } catch { errors++; }
  }
};
await Promise.all(Array.from({ length: concurrency }, worker));
console.log(JSON.stringify({ startedAt, errors }));
