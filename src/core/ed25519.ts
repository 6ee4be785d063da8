import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";

/**
 * Ed25519 keys of the Standard Webhooks `v1a` scheme (DESIGN §15): the private key is `whsk_` + base64 of its 32-byte
 * seed (a libsodium-style 64-byte seed + public key is taken too), the public key `whpk_` + base64 of its 32 raw bytes.
 */

const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const HOW = 'must be "whsk_" + base64 of a 32-byte Ed25519 private key (leave it out and hookgate generates one)';

export interface Ed25519Pair {
  /** `whsk_...`: sealed at rest and never shown. */
  privateKey: string;
  /** `whpk_...`: what receivers verify with. */
  publicKey: string;
}

/** A new key pair. */
export function generateKeyPair(): Ed25519Pair {
  const { privateKey } = generateKeyPairSync("ed25519");
  const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(PKCS8_PREFIX.length);
  return { privateKey: `whsk_${seed.toString("base64")}`, publicKey: publicKeyText(privateKey) };
}

/** The 32-byte seed of a `whsk_` key, or why it is not one. */
function seedOf(text: string): Buffer | string {
  if (!text.startsWith("whsk_")) return HOW;
  const body = text.slice(5);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return HOW;
  const raw = Buffer.from(body, "base64");
  if (raw.length === 32) return raw;
  if (raw.length === 64) {
    const seed = raw.subarray(0, 32);
    const publicKey = createPublicKey(keyOfSeed(seed)).export({ format: "der", type: "spki" }).subarray(SPKI_PREFIX.length);
    return publicKey.equals(raw.subarray(32)) ? seed : `${HOW}: its last 32 bytes are not the public key of its first 32`;
  }
  return `${HOW}, not ${raw.length} bytes`;
}

const keyOfSeed = (seed: Buffer) => createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });

/** Why a text is not a `whsk_` private key, or null. */
export function privateKeyProblem(text: string): string | null {
  const seed = seedOf(text);
  return typeof seed === "string" ? seed : null;
}

/** The private key ready to sign with (parse it once per endpoint, not per attempt). Throws on a bad key. */
export function privateKeyObject(text: string): KeyObject {
  const seed = seedOf(text);
  if (typeof seed === "string") throw new Error(`an Ed25519 signing key ${seed}`);
  return keyOfSeed(seed);
}

/** `whpk_` + base64 of the raw public key of a private key (KeyObject or `whsk_` text). */
export function publicKeyText(key: KeyObject | string): string {
  const object = typeof key === "string" ? privateKeyObject(key) : key;
  return `whpk_${createPublicKey(object).export({ format: "der", type: "spki" }).subarray(SPKI_PREFIX.length).toString("base64")}`;
}

/** The raw 32 bytes of a `whpk_` public key as a KeyObject (receivers, tests). */
export function publicKeyObject(text: string): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(text.replace(/^whpk_/, ""), "base64")]), format: "der", type: "spki" });
}

/** One `v1a,<base64>` signature of the signed bytes. */
export function signV1a(key: KeyObject, bytes: string): string {
  return `v1a,${sign(null, Buffer.from(bytes), key).toString("base64")}`;
}
