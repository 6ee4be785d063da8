import { createHmac } from "node:crypto";

/**
 * One webhook POST signed with the `standard` scheme (webhook-id, webhook-timestamp, webhook-signature).
 * The plain fetch loop (L1) and the BullMQ worker (B2) both send with exactly this code.
 */
export async function signedPost(url: string, key: Buffer, id: string, body: string): Promise<number> {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": `v1,${signature}`,
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

/** The HMAC key of a `whsec_` secret. */
export const keyOf = (secret: string) => Buffer.from(secret.replace(/^whsec_/, ""), "base64");
