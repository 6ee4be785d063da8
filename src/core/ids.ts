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

export function newId(prefix: string, now = Date.now()): string {
  const ms = Math.max(now, lastMs);
  const random = nextRandom(ms);
  let out = "";
  let t = ms;
  const time: string[] = [];
  for (let i = 0; i < 10; i++) { time.push(ALPHABET[t % 32]!); t = Math.floor(t / 32); }
  out = time.reverse().join("");
  // 80 bits → 16 base32 chars
  let acc = 0, bits = 0;
  for (const byte of random) {
    acc = (acc << 8) | byte; bits += 8;
    while (bits >= 5) { bits -= 5; out += ALPHABET[(acc >> bits) & 31]; }
    acc &= (1 << bits) - 1;
  }
  return `${prefix}_${out}`;
}
