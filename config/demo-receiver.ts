/**
 * A receiver for trying hookgate locally: verifies the standard signature and prints each event.
 * bun config/demo-receiver.ts   (listens on 127.0.0.1:9000, secret from DEMO_SECRET or the demo's)
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const secret = process.env.DEMO_SECRET ?? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const key = Buffer.from(secret.slice("whsec_".length), "base64");

Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.RECEIVER_PORT ?? 9000),
  async fetch(request) {
    const body = await request.text();
    const id = request.headers.get("webhook-id") ?? "";
    const timestamp = request.headers.get("webhook-timestamp") ?? "";
    const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
    const valid = (request.headers.get("webhook-signature") ?? "").split(" ").some((sig) => {
      const given = Buffer.from(sig.replace(/^v1,/, ""), "base64");
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    console.log(`${valid ? "verified" : "BAD SIGNATURE"} attempt ${request.headers.get("webhook-attempt")}: ${body}`);
    return new Response(null, { status: valid ? 204 : 400 });
  },
});
console.log("demo receiver listening on http://127.0.0.1:9000/hooks");
