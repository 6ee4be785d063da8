/**
 * Which request headers an endpoint (config file or admin API) may set, and which values can be sent.
 * The schema checks them when an endpoint is defined; prepare-request.ts checks again when a header function
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

/** Names whose value is a receiver credential: they belong in `auth`, which is sealed at rest and masked in reads. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(["authorization", "proxy-authorization", "cookie"]);

/** Whether an endpoint may define a header of this name (config file and admin API). */
export function headerNameProblem(name: string): string | null {
  if (CREDENTIAL_HEADERS.has(name.toLowerCase())) {
    return 'carries receiver credentials: put them in auth ({ type: "bearer", token } or { type: "basic", username, password }), not headers';
  }
  return sendableHeaderNameProblem(name);
}

/** The field-name syntax alone: what a source's own requests (the poll source's headers) are held to. */
export function headerNameSyntaxProblem(name: string): string | null {
  return TOKEN.test(name) ? null : "must be a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)";
}

/**
 * Whether a header of this name can be sent. Checked at each attempt; the credential rule is not, so a row
 * stored before that rule keeps working (its value is masked in the log, see isSecretHeaderName).
 */
export function sendableHeaderNameProblem(name: string): string | null {
  const syntax = headerNameSyntaxProblem(name);
  if (syntax) return syntax;
  if (RESERVED_HEADERS.has(name.toLowerCase())) return "is set by the transport and cannot be overridden";
  if (HOOKGATE_HEADERS.has(name.toLowerCase())) return "is set by hookgate on every attempt and cannot be overridden";
  return null;
}

// The last word of the name (after -, _ or .) says it carries a credential: X-Api-Key, Private-Token, X-Client-Secret.
const SECRET_WORD = /(?:^|[-_.])(?:key|apikey|token|secret|password|passwd|auth|credentials?)$/i;

/**
 * Whether a header's value is treated as a secret: sealed at rest like `auth`, masked in admin reads and in
 * attempt logs. Signatures (`*-signature`) are not: each is a MAC of one message, useless for another one,
 * and receivers debugging a failed check need to see it. A false positive costs only visibility.
 */
export function isSecretHeaderName(name: string): boolean {
  return CREDENTIAL_HEADERS.has(name.toLowerCase()) || SECRET_WORD.test(name);
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
