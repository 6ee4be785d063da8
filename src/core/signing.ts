import { randomBytes, type KeyObject } from "node:crypto";
import { privateKeyObject, privateKeyProblem, signV1a } from "./ed25519.ts";

/** The signing schemes of DESIGN sections 4 and 15, as pure functions of the secret(s) and the exact bytes sent. */
export type SchemeName = "standard" | "stripe" | "github" | "hex" | "ed25519" | "none";

export const DEFAULT_HEADER: Record<SchemeName, string | null> = {
  standard: "webhook-signature",
  stripe: "webhook-signature",
  github: "x-hub-signature-256",
  hex: "x-webhook-signature",
  ed25519: "webhook-signature",
  none: null,
};

export interface SignInput {
  /** The webhook-id (event id). */
  id: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  body: string;
}

export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

const decodedKeys = new Map<string, Buffer>();

/** The HMAC key of the `standard` scheme: the base64 part of `whsec_...` (decoded once per secret, not per attempt). */
export function standardKey(secret: string): Buffer {
  let key = decodedKeys.get(secret);
  if (!key) {
    if (decodedKeys.size >= 1_000) decodedKeys.clear();
    key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
    decodedKeys.set(secret, key);
  }
  return key;
}

/** An asymmetric scheme's secret is a private key (`whsk_`), never an HMAC secret, and hookgate generates it. */
export const isAsymmetric = (scheme: SchemeName): scheme is "ed25519" => scheme === "ed25519";

/** Why a secret cannot be used with a scheme, or null. */
export function secretProblem(scheme: SchemeName, secret: string | undefined): string | null {
  if (scheme === "none") return null;
  if (scheme === "ed25519") return secret === undefined ? null : privateKeyProblem(secret);
  // A private key never signs as an HMAC secret: its receivers hold only its public key.
  if (secret?.startsWith("whsk_")) return `is an Ed25519 private key: use it with signing: { scheme: "ed25519" }, or give a "whsec_" secret for "${scheme}"`;
  if (!secret) return `is required for signing scheme "${scheme}" (or set signing: { scheme: "none" })`;
  if (scheme === "standard") {
    const raw = secret.startsWith("whsec_") ? secret.slice(6) : secret;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw) || standardKey(secret).length < 24) {
      return 'must be "whsec_" + base64 of 24-64 random bytes for the standard scheme (generate one: openssl rand -base64 32)';
    }
  }
  return null;
}

/** HMAC-SHA256 through Bun's own hasher: about half node:crypto's createHmac per signature here (bench/FINDINGS.md). */
const hmac = (key: string | Buffer, data: string, encoding: "hex" | "base64") => new Bun.CryptoHasher("sha256", key).update(data).digest(encoding);
const hmacHex = (key: string, data: string) => hmac(key, data, "hex");

/** The bytes `standard` and `ed25519` sign. */
const signedBytes = (input: SignInput) => `${input.id}.${input.timestamp}.${input.body}`;

/** One scheme's signature value for one secret. */
function signOne(scheme: Exclude<SchemeName, "none">, secret: string, input: SignInput): string {
  switch (scheme) {
    case "ed25519":
      return signV1a(privateKeyObject(secret), signedBytes(input));
    case "standard":
      return `v1,${hmac(standardKey(secret), signedBytes(input), "base64")}`;
    case "stripe":
      return `v1=${hmacHex(secret, `${input.timestamp}.${input.body}`)}`;
    case "github":
      return `sha256=${hmacHex(secret, input.body)}`;
    case "hex":
      return hmacHex(secret, input.body);
  }
}

/**
 * Schemes whose header holds exactly one signature: their receivers' verifiers (GitHub's, @octokit/webhooks-methods,
 * CE Pro's) compare the whole value, so a second signature would fail both secrets. A rotation switches at once.
 */
export function singleSignature(scheme: SchemeName): scheme is "github" | "hex" {
  return scheme === "github" || scheme === "hex";
}

/**
 * The signature header value. `secrets` is newest first: during a rotation's grace period the old
 * secret signs too (standard: `v1,a v1,b`; stripe: `t=..,v1=a,v1=b`); github and hex carry the newest only.
 */
export function sign(scheme: SchemeName, secrets: readonly string[], input: SignInput): string | null {
  if (scheme === "none" || secrets.length === 0) return null;
  if (singleSignature(scheme)) return signOne(scheme, secrets[0]!, input);
  const parts = secrets.map((secret) => signOne(scheme, secret, input));
  return scheme === "stripe" ? `t=${input.timestamp},${parts.join(",")}` : parts.join(" ");
}

/**
 * The `ed25519` header value from keys parsed once per endpoint (RuntimeEndpoint.signingKeys), newest first:
 * `v1a,<new> v1a,<old>` during a rotation's grace.
 */
export function signWithKeys(keys: readonly KeyObject[], input: SignInput): string | null {
  if (keys.length === 0) return null;
  const bytes = signedBytes(input);
  return keys.map((key) => signV1a(key, bytes)).join(" ");
}
