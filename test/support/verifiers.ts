import { createHmac, timingSafeEqual } from "node:crypto";

/** The verifier from reference/buildworkpro-webhooks.txt (stripe scheme), verbatim in its logic. */
export function verifyBuildWorkPro(header: string, rawBody: string, secret: string): boolean {
  const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
  const v1 = /(?:^|,)v1=([0-9a-f]+)/.exec(header)?.[1];
  if (!t || !v1) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest("hex");
  const a = Buffer.from(expected, "hex");
  const b = Buffer.from(v1, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The verifier from reference/cepro-webhooks.txt (hex scheme), verbatim in its logic. */
export function verifyCePro(rawBody: string, signatureHeader: string, secret: string): boolean {
  const expectedSignature = createHmac("sha256", secret).update(rawBody).digest("hex");
  const a = Buffer.from(expectedSignature);
  const b = Buffer.from(signatureHeader);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The Workestra/GitHub style: `sha256=<hex>` of the body. */
export function verifyGithub(rawBody: string, header: string, secret: string): boolean {
  return header === `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
}
