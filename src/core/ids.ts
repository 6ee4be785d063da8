/**
 * Prefixed, time-sortable ids (`evt_`, `ep_`, `dlv_`, `att_`): 48 bits of milliseconds and 80 random
 * bits in Crockford base32, like a ULID. Ids made in the same millisecond still sort in creation order.
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
let lastMs = 0;
const lastRandom = new Uint8Array(10);

function nextRandom(now: number): Uint8Array {
  if (now === lastMs) {
    for (let i = 9; i >= 0; i--) {
      if (lastRandom[i]! < 255) { lastRandom[i]!++; break; }
      lastRandom[i] = 0;
    }
  } else {
    lastMs = now;
    crypto.getRandomValues(lastRandom);
    lastRandom[0]! &= 0x7f; // leaves room to count up within one millisecond
  }
  return lastRandom;
}

let timeMs = -1;
let timeText = "";

/** 48 bits of milliseconds as 10 base32 characters, most significant first; reused within one millisecond. */
function timePart(ms: number): string {
  if (ms !== timeMs) {
    timeMs = ms;
    timeText = encodeTime(ms);
  }
  return timeText;
}

function encodeTime(ms: number): string {
  let t = ms;
  let text = "";
  for (let i = 0; i < 10; i++) { text = ALPHABET[t % 32]! + text; t = Math.floor(t / 32); }
  return text;
}

/** 80 bits as 16 base32 characters: two 40-bit halves (5 bytes, 8 characters each), exact in a double. */
function randomPart(random: Uint8Array): string {
  let out = "";
  for (let h = 0; h < 10; h += 5) {
    let v = random[h]! * 4294967296 + ((random[h + 1]! << 24) >>> 0) + (random[h + 2]! << 16) + (random[h + 3]! << 8) + random[h + 4]!;
    let chunk = "";
    for (let i = 0; i < 8; i++) { chunk = ALPHABET[v % 32]! + chunk; v = Math.floor(v / 32); }
    out += chunk;
  }
  return out;
}

export function newId(prefix: string, now = Date.now()): string {
  const ms = Math.max(now, lastMs);
  const random = nextRandom(ms);
  return `${prefix}_${timePart(ms)}${randomPart(random)}`;
}

/**
 * The smallest id of `prefix` made at or after `ms`: its time part with every random bit zero. `id >= idFloor(p, t)`
 * is a range of any index ending in the id (ms is clamped to the 48 bits ids carry).
 */
export function idFloor(prefix: string, ms: number): string {
  return `${prefix}_${encodeTime(Math.min(Math.max(0, Math.ceil(ms)), 2 ** 48 - 1))}${"0".repeat(16)}`;
}
