/**
 * Which request headers an endpoint (config file or admin API) may set, and which values can be sent.
 * The schema checks them when an endpoint is defined; attempt.ts checks again when a header function
 * returns a value, and for rows stored by an older version.
 */

/** Names that belong to the transport (hop-by-hop, framing, routing) or to the proxy: never from an endpoint. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer",
  "proxy-authorization", "proxy-authenticate", "proxy-connection", "expect",
]);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/; // RFC 9110 field-name

/** Names hookgate sets on every attempt: overriding them would break receivers' signature checks and dedupe. */
export const HOOKGATE_HEADERS: ReadonlySet<string> = new Set([
  "content-type", "webhook-id", "webhook-timestamp", "webhook-signature", "webhook-event", "webhook-attempt",
]);

export function headerNameProblem(name: string): string | null {
  if (!TOKEN.test(name)) return "must be a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)";
  if (RESERVED_HEADERS.has(name.toLowerCase())) return "is set by the transport and cannot be overridden";
  if (HOOKGATE_HEADERS.has(name.toLowerCase())) return "is set by hookgate on every attempt and cannot be overridden";
  return null;
}

/**
 * RFC 9110 field-value: tab, visible ASCII, space, and obs-text (0x80-0xFF). CR and LF would split the
 * request; other control characters and anything past Latin-1 make fetch throw or the receiver reject it.
 */
export function headerValueProblem(value: string): string | null {
  if (/[\r\n]/.test(value)) return "must not contain CR or LF";
  const bad = /[^\t\x20-\x7e\x80-\xff]/u.exec(value);
  if (!bad) return null;
  const code = `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  return bad[0] < " " || bad[0] === "\x7f"
    ? `must not contain control characters (found ${code})`
    : `must be Latin-1 text: "${bad[0]}" (${code}) cannot be sent in a header (percent-encode or base64 it)`;
}
