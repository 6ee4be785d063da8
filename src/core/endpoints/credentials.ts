import { isSecretHeaderName } from "../header-rules.ts";
import type { Endpoint, EndpointUpdate } from "./endpoint.ts";
import { DomainError, type Problems } from "../errors.ts";
import { generateKeyPair, publicKeyText } from "../ed25519.ts";
import { generateSecret, isAsymmetric, secretProblem, type SchemeName } from "../signing.ts";

/**
 * An endpoint's credentials (receiver auth, secret-looking headers, the signing secret) at rest and on a write.
 * Reads show them masked; a mask sent back keeps the stored value, except when the URL moves to another origin:
 * then a credential set up for one receiver must not follow to another, so it is sent again or dropped.
 */

/** Encrypts secrets at rest; `src/secrets/` provides the real one. */
export interface SecretCodec {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}
export const plainCodec: SecretCodec = { encrypt: (s) => s, decrypt: (s) => s };

/** How reads show a write-only credential. */
export const MASK = "********";

export type ReceiverAuth = { type: "basic"; username: string; password: string } | { type: "bearer"; token: string };

/**
 * `value` sealed. A sealed text `stored` that opens to the same value is kept: a fresh encryption differs every
 * time, and a start writes the config's endpoints only where they changed (store.ts reconcileConfigEndpoints).
 */
export function resealed(value: string, stored: string | null | undefined, codec: SecretCodec): string {
  if (stored) {
    try { if (codec.decrypt(stored) === value) return stored; } catch { /* another key's or format's text: sealed anew */ }
  }
  return codec.encrypt(value);
}

/** Receiver credentials at rest: the password or token encrypted like signing secrets; the rest readable. `stored`: see resealed. */
export function sealAuth(auth: ReceiverAuth, codec: SecretCodec, stored?: ReceiverAuth | null): ReceiverAuth {
  return auth.type === "basic"
    ? { ...auth, password: resealed(auth.password, stored?.type === "basic" ? stored.password : null, codec) }
    : { ...auth, token: resealed(auth.token, stored?.type === "bearer" ? stored.token : null, codec) };
}

export function openAuth(auth: ReceiverAuth | null, codec: SecretCodec): ReceiverAuth | null {
  if (!auth) return null;
  return auth.type === "basic" ? { ...auth, password: codec.decrypt(auth.password) } : { ...auth, token: codec.decrypt(auth.token) };
}

/** A header as it rests: plain text, or sealed like `auth` when its name looks secret. */
export type StoredHeaderValue = string | { sealed: string };

/** Headers at rest: values of secret-looking names (isSecretHeaderName) are encrypted; the rest stay readable. `stored`: see resealed. */
export function sealHeaders(headers: Record<string, string>, codec: SecretCodec, stored?: Record<string, StoredHeaderValue> | null): Record<string, StoredHeaderValue> {
  const sealedBefore = (name: string) => { const v = stored?.[name]; return typeof v === "object" ? v.sealed : null; };
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, isSecretHeaderName(name) ? { sealed: resealed(value, sealedBefore(name), codec) } : value]));
}

/** The headers to send. A plain value under a secret-looking name (a row from before sealing) is used as it is. */
export function openHeaders(headers: Record<string, StoredHeaderValue>, codec: SecretCodec): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, typeof value === "string" ? value : codec.decrypt(value.sealed)]));
}

/** Refuses an endpoint write with its problems, saving nothing. */
export function fail(problems: Problems): void {
  if (problems.length) throw new DomainError("invalid", "the endpoint is invalid: nothing was saved", problems);
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
export function unmaskAuth(codec: SecretCodec, auth: ReceiverAuth, old: ReceiverAuth | null, move: string | null): ReceiverAuth {
  const field = auth.type === "basic" ? "password" : "token";
  if ((auth.type === "basic" ? auth.password : auth.token) !== MASK) return sealAuth(auth, codec);
  if (move) fail([{ path: `auth.${field}`, message: `send the ${field} itself: the URL moves to another origin (${move}), and a stored credential does not follow it` }]);
  if (old?.type !== auth.type) fail([{ path: `auth.${field}`, message: `send the ${field} itself` }]);
  return { ...auth, [field]: (old as Record<string, string>)[field] } as ReceiverAuth;
}

/**
 * Headers to store (whole-map replace). Secret-looking values are sealed; the mask keeps the stored value of the
 * same name (case-insensitive), unless the URL moves to another origin.
 */
export function storedHeaders(codec: SecretCodec, headers: Record<string, string>, stored: Record<string, StoredHeaderValue> | null, move: string | null): Record<string, StoredHeaderValue> {
  const old = new Map(Object.entries(stored ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
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
export function originMoveProblems(endpoint: Endpoint, changes: { auth?: unknown; headers?: unknown }, move: string): Problems {
  const problems: Problems = [];
  if (endpoint.auth && changes.auth === undefined) {
    problems.push({ path: "auth", message: `the URL moves to another origin (${move}): send auth again, or auth: null to drop it (a stored credential is only sent where it was set up)` });
  }
  const secretNames = Object.keys(endpoint.headers).filter(isSecretHeaderName);
  if (secretNames.length && changes.headers === undefined) {
    problems.push({ path: "headers", message: `the URL moves to another origin (${move}): send headers again with ${secretNames.join(", ")} (or without them to drop them)` });
  }
  return problems;
}

/**
 * A new signing secret for a scheme: for `ed25519` a key pair (the private key given, or generated) whose private
 * half is never shown again; else an HMAC secret (given, or generated), shown once.
 */
export function newSigningSecret(scheme: SchemeName, given?: string): { secret: string; publicKey: string | null } {
  if (!isAsymmetric(scheme)) return { secret: given ?? generateSecret(), publicKey: null };
  const privateKey = given ?? generateKeyPair().privateKey;
  return { secret: privateKey, publicKey: publicKeyText(privateKey) };
}

/** What a write that made a new secret answers: an HMAC secret this once, or an Ed25519 key's public half. */
export type NewSecretAnswer = { signingSecret?: string; publicKey?: string };
export const newSecretAnswer = (fresh: { secret: string; publicKey: string | null }): NewSecretAnswer =>
  (fresh.publicKey === null ? { signingSecret: fresh.secret } : { publicKey: fresh.publicKey });

/**
 * A scheme change re-checks the stored secret against the new scheme (the check the create path runs). One that
 * does not fit (say a github secret under standard, or an HMAC secret under ed25519 and back) is replaced by a new
 * one: an HMAC secret is returned once in the PATCH answer, an Ed25519 key shows its public key.
 */
export function secretForScheme(codec: SecretCodec, endpoint: Endpoint, scheme: SchemeName): { update: EndpointUpdate } & NewSecretAnswer {
  if (scheme === endpoint.signing.scheme) return { update: {} };
  // Under "none" any stored secret is kept for a later switch back; a missing one is made now.
  const fits = (secret: string | undefined) => secret !== undefined && secretProblem(scheme, secret) === null;
  const current = endpoint.secret ? codec.decrypt(endpoint.secret) : undefined;
  if (!fits(current)) {
    const fresh = newSigningSecret(scheme);
    return {
      update: { secret: codec.encrypt(fresh.secret), publicKey: fresh.publicKey, previousSecret: null, previousSecretUntil: null, previousPublicKey: null },
      ...newSecretAnswer(fresh),
    };
  }
  const previous = endpoint.previousSecret ? codec.decrypt(endpoint.previousSecret) : undefined;
  if (previous !== undefined && !fits(previous)) return { update: { previousSecret: null, previousSecretUntil: null, previousPublicKey: null } };
  return { update: {} };
}
