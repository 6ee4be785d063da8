import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { SecretCodec } from "../core/endpoints/credentials.ts";

const PREFIX = "enc:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Binds every ciphertext to its purpose, so a value cannot be replayed into another kind of field.
const AAD = Buffer.from("hookgate endpoint secret");

/** Thrown when a stored secret does not open with the key in use (a wrong key, or a damaged value). */
export class SecretDecryptError extends Error {}

/** AES-256-GCM over a 32-byte key: `enc:v1:` + base64(iv | ciphertext | tag). */
export class AesGcmCodec implements SecretCodec {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("the secrets key must be 32 bytes");
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64");
  }

  decrypt(stored: string): string {
    if (!stored.startsWith(PREFIX)) throw new SecretDecryptError("a stored secret is not encrypted with hookgate's format");
    const raw = Buffer.from(stored.slice(PREFIX.length), "base64");
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptError("a stored secret is truncated");
    const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      throw new SecretDecryptError("a stored secret does not open with this key");
    }
  }
}
