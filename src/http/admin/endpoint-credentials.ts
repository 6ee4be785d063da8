import { sealAuth, type SecretCodec, type StoredHeaderValue } from "../../core/endpoints.ts";
import { generateSecret, secretProblem, type SchemeName } from "../../core/signing.ts";
import { isSecretHeaderName } from "../../outbound/header-rules.ts";
import type { EndpointRow } from "../../store/schema.ts";
import { HttpProblem } from "../problem.ts";
import { MASK, type EndpointPatch } from "./schemas.ts";

/**
 * What an endpoint's credentials (receiver auth, secret-looking headers, the signing secret) become on a write.
 * Reads show them masked; a mask sent back keeps the stored value, except when the URL moves to another origin:
 * then a credential set up for one receiver must not follow to another, so it is sent again or dropped.
 */
export type Problems = { path: string; message: string }[];
type Auth = NonNullable<EndpointPatch["auth"]>;

/** Refuses an endpoint write with its problems (422), saving nothing. */
export function fail(problems: Problems): void {
  if (problems.length) throw new HttpProblem(422, "the endpoint is invalid: nothing was saved", problems);
}

const originOf = (url: string) => new URL(url).origin;

/** "https://a.example → https://b.example" when a PATCH moves the URL to another scheme, host or port; else null. */
export function originMove(oldUrl: string, newUrl: string | undefined): string | null {
  if (newUrl === undefined) return null;
  const before = originOf(oldUrl);
  const after = originOf(newUrl);
  return before === after ? null : `${before} → ${after}`;
}

/** A new credential is sealed; the mask keeps the stored (sealed) one unless the URL moves to another origin. */
export function unmaskAuth(codec: SecretCodec, auth: Auth, stored: string | null, move: string | null): Auth {
  const field = auth.type === "basic" ? "password" : "token";
  if ((auth.type === "basic" ? auth.password : auth.token) !== MASK) return sealAuth(auth, codec);
  const old = stored ? JSON.parse(stored) as Auth : null;
  if (move) fail([{ path: `auth.${field}`, message: `send the ${field} itself: the URL moves to another origin (${move}), and a stored credential does not follow it` }]);
  if (old?.type !== auth.type) fail([{ path: `auth.${field}`, message: `send the ${field} itself` }]);
  return { ...auth, [field]: (old as Record<string, string>)[field] } as Auth;
}

/**
 * Headers to store (whole-map replace). Secret-looking values are sealed; the mask keeps the stored value of the
 * same name (case-insensitive), unless the URL moves to another origin.
 */
export function storedHeaders(codec: SecretCodec, headers: Record<string, string>, stored: string | null, move: string | null): Record<string, StoredHeaderValue> {
  const old = new Map(Object.entries(stored ? JSON.parse(stored) as Record<string, StoredHeaderValue> : {}).map(([k, v]) => [k.toLowerCase(), v]));
  const problems: Problems = [];
  const out: Record<string, StoredHeaderValue> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!isSecretHeaderName(name)) { out[name] = value; continue; }
    if (value !== MASK) { out[name] = { sealed: codec.encrypt(value) }; continue; }
    const kept = old.get(name.toLowerCase());
    if (move) problems.push({ path: `headers.${name}`, message: `send the value itself: the URL moves to another origin (${move}), and a stored credential does not follow it` });
    else if (kept === undefined) problems.push({ path: `headers.${name}`, message: `send the value itself (${MASK} is how reads mask it, and no value is stored under this name)` });
    else out[name] = typeof kept === "string" ? { sealed: codec.encrypt(kept) } : kept;
  }
  fail(problems);
  return out;
}

/** On a move to another origin, stored credentials must be re-sent or dropped in the same PATCH. */
export function originMoveProblems(row: EndpointRow, body: EndpointPatch, move: string): Problems {
  const problems: Problems = [];
  if (row.auth && body.auth === undefined) {
    problems.push({ path: "auth", message: `the URL moves to another origin (${move}): send auth again, or auth: null to drop it (a stored credential is only sent where it was set up)` });
  }
  const secretNames = Object.keys(JSON.parse(row.headers)).filter(isSecretHeaderName);
  if (secretNames.length && body.headers === undefined) {
    problems.push({ path: "headers", message: `the URL moves to another origin (${move}): send headers again with ${secretNames.join(", ")} (or without them to drop them)` });
  }
  return problems;
}

/**
 * A scheme change re-checks the stored secret against the new scheme (the check the create path runs). One that
 * does not fit (say a github secret under standard) is replaced by a new one, returned once in the PATCH answer.
 */
export function secretForScheme(codec: SecretCodec, row: EndpointRow, scheme: SchemeName): { columns: Partial<EndpointRow>; signingSecret?: string } {
  if (scheme === row.signing_scheme) return { columns: {} };
  const current = row.secret ? codec.decrypt(row.secret) : undefined;
  if (secretProblem(scheme, current) !== null || (scheme === "none" && !current)) {
    const signingSecret = generateSecret();
    return { columns: { secret: codec.encrypt(signingSecret), previous_secret: null, previous_secret_until: null }, signingSecret };
  }
  const previous = row.previous_secret ? codec.decrypt(row.previous_secret) : undefined;
  if (previous !== undefined && secretProblem(scheme, previous) !== null) return { columns: { previous_secret: null, previous_secret_until: null } };
  return { columns: {} };
}
