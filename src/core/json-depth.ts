/**
 * Nesting limits for event data. JSON.parse copes with any depth, but what comes after it (JSON.stringify,
 * schema checks) recurses, and 1 MB of brackets nests 500,000 deep: a stack overflow after seconds of a
 * blocked event loop. So depth is checked first, in one pass with no recursion.
 */
export const MAX_DEPTH = 64;
/** The problem message for data past the limit, wherever it is refused (ingest, emit, admin bodies). */
export const TOO_DEEP = `nests deeper than ${MAX_DEPTH} levels of arrays and objects (the limit for event data: flatten it)`;

export type PathPart = string | number;

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c;
const OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d, OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Where a JSON text first nests more than `limit` arrays and objects deep: the path of that innermost
 * container (`[]` for the top level), or null. Strings and their escapes are skipped; UTF-8 is safe to scan
 * byte by byte since `"` and `\` never occur inside a multi-byte character. It does not validate: JSON.parse
 * does that after, on a text now known to be shallow enough.
 */
export function textTooDeep(text: Uint8Array | string, limit: number): PathPart[] | null {
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  // Per level (1-based): what the container is, where its current member is, and its last key's bytes.
  const isObject = new Uint8Array(limit + 1);
  const expectKey = new Uint8Array(limit + 1);
  const index = new Int32Array(limit + 1);
  const keyStart = new Int32Array(limit + 1);
  const keyEnd = new Int32Array(limit + 1);
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      const start = i;
      for (i++; i < bytes.length && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
      if (depth > 0 && expectKey[depth]) { keyStart[depth] = start; keyEnd[depth] = i + 1; expectKey[depth] = 0; }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return pathOf(bytes, depth - 1, isObject, index, keyStart, keyEnd);
      isObject[depth] = c === OPEN_OBJECT ? 1 : 0;
      expectKey[depth] = isObject[depth]!;
      index[depth] = 0;
      keyStart[depth] = keyEnd[depth] = -1;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (depth > 0) depth--;
    } else if (c === COMMA && depth > 0) {
      if (isObject[depth]) expectKey[depth] = 1;
      else index[depth]!++;
    }
  }
  return null;
}

function pathOf(bytes: Uint8Array, levels: number, isObject: Uint8Array, index: Int32Array, keyStart: Int32Array, keyEnd: Int32Array): PathPart[] {
  const path: PathPart[] = [];
  for (let level = 1; level <= levels; level++) {
    if (!isObject[level]) { path.push(index[level]!); continue; }
    const raw = keyStart[level]! < 0 ? '""' : decoder.decode(bytes.subarray(keyStart[level]!, keyEnd[level]!));
    try { path.push(JSON.parse(raw) as string); } catch { path.push(raw.slice(1, -1)); }
  }
  return path;
}

interface Frame { node: Record<string | number, unknown>; keys: string[] | null; next: number }

/**
 * The same for a value already parsed (or built by a source plugin): the path of the first container more
 * than `limit` deep, or null. Never deeper than `limit` calls or frames, whatever the data; a cycle counts as too deep.
 */
export function valueTooDeep(value: unknown, limit: number): PathPart[] | null {
  if (typeof value !== "object" || value === null) return null;
  if (limit < 1) return [];
  if (!nestsDeeper(value, limit)) return null;
  return pathTooDeep(value, limit);
}

/**
 * Whether `node` holds containers more than `levels` deep (itself counting as one). Recursion is safe here: it
 * goes at most `levels` calls deep. This is the per-event check (no allocation but Object.keys); the walk
 * below runs only for data that is refused, to name the path.
 */
function nestsDeeper(node: object, levels: number): boolean {
  if (levels <= 0) return true;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const child: unknown = node[i];
      if (typeof child === "object" && child !== null && nestsDeeper(child, levels - 1)) return true;
    }
    return false;
  }
  const keys = Object.keys(node);
  for (let i = 0; i < keys.length; i++) {
    const child: unknown = (node as Record<string, unknown>)[keys[i]!];
    if (typeof child === "object" && child !== null && nestsDeeper(child, levels - 1)) return true;
  }
  return false;
}

function pathTooDeep(value: object, limit: number): PathPart[] | null {
  const frame = (node: object): Frame => ({ node: node as Frame["node"], keys: Array.isArray(node) ? null : Object.keys(node), next: 0 });
  const stack: Frame[] = [frame(value)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const size = top.keys ? top.keys.length : (top.node as unknown as unknown[]).length;
    if (top.next >= size) { stack.pop(); continue; }
    const key = top.keys ? top.keys[top.next]! : top.next;
    top.next++;
    const child = top.node[key];
    if (typeof child !== "object" || child === null) continue;
    if (stack.length >= limit) return stack.map((f) => (f.keys ? f.keys[f.next - 1]! : f.next - 1));
    stack.push(frame(child));
  }
  return null;
}
