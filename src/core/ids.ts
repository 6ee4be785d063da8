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

/** Every 10-bit value as its two base32 characters: a 20-bit group is two lookups. */
const PAIRS = Array.from({ length: 1024 }, (_, v) => ALPHABET[v >> 5]! + ALPHABET[v & 31]!);

/**
 * 80 bits as 16 base32 characters, most significant first: four 20-bit groups (2.5 bytes each) of two
 * table lookups. Ids are made per event, delivery and attempt, so this runs on every hot path.
 */
export function randomPart(r: Uint8Array): string {
  const a = (r[0]! << 12) | (r[1]! << 4) | (r[2]! >> 4);
  const b = ((r[2]! & 15) << 16) | (r[3]! << 8) | r[4]!;
  const c = (r[5]! << 12) | (r[6]! << 4) | (r[7]! >> 4);
  const d = ((r[7]! & 15) << 16) | (r[8]! << 8) | r[9]!;
  return PAIRS[a >> 10]! + PAIRS[a & 1023]! + PAIRS[b >> 10]! + PAIRS[b & 1023]!
    + PAIRS[c >> 10]! + PAIRS[c & 1023]! + PAIRS[d >> 10]! + PAIRS[d & 1023]!;
}

export function newId(prefix: string, now = Date.now()): string {
  const ms = Math.max(now, lastMs);
  const random = nextRandom(ms);
  return prefix + "_" + timePart(ms) + randomPart(random);
}

/**
 * The smallest id of `prefix` made at or after `ms`: its time part with every random bit zero. `id >= idFloor(p, t)`
 * is a range of any index ending in the id (ms is clamped to the 48 bits ids carry).
 */
export function idFloor(prefix: string, ms: number): string {
  return `${prefix}_${encodeTime(Math.min(Math.max(0, Math.ceil(ms)), 2 ** 48 - 1))}${"0".repeat(16)}`;
}
