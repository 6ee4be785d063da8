import { verify } from "node:crypto";
import { publicKeyObject } from "../../src/core/ed25519.ts";

/**
 * How a receiver checks a `v1a` signature with the public key alone (DESIGN §15), written as the README shows it:
 * once with node:crypto and once with WebCrypto, so each is proven against real deliveries.
 */
export interface SignedRequest { id: string; timestamp: string; signature: string; body: string }

const signaturesOf = (header: string) => header.split(" ").filter((part) => part.startsWith("v1a,")).map((part) => Buffer.from(part.slice(4), "base64"));
const signedBytes = (r: SignedRequest) => Buffer.from(`${r.id}.${r.timestamp}.${r.body}`);

/** node:crypto: `crypto.verify(null, bytes, publicKey, signature)`. */
export function verifyWithNode(publicKey: string, request: SignedRequest): boolean {
  const key = publicKeyObject(publicKey);
  return signaturesOf(request.signature).some((signature) => verify(null, signedBytes(request), key, signature));
}

/** WebCrypto: the raw 32 bytes imported as an Ed25519 key, as a browser or an edge runtime does it. */
export async function verifyWithWebCrypto(publicKey: string, request: SignedRequest): Promise<boolean> {
  const raw = Uint8Array.from(atob(publicKey.replace(/^whpk_/, "")), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
  const bytes = new TextEncoder().encode(`${request.id}.${request.timestamp}.${request.body}`);
  for (const signature of signaturesOf(request.signature)) {
    if (await crypto.subtle.verify({ name: "Ed25519" }, key, signature, bytes)) return true;
  }
  return false;
}

/** Both verifiers must agree: true only when each accepts the request. */
export async function verifiesWith(publicKey: string, request: SignedRequest): Promise<boolean> {
  const node = verifyWithNode(publicKey, request);
  const web = await verifyWithWebCrypto(publicKey, request);
  if (node !== web) throw new Error(`node:crypto says ${node}, WebCrypto says ${web}`);
  return node;
}
