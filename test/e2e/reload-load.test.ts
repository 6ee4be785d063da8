import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { ensureBinary, startBinary, writeConfig } from "../support/binary.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";

setDefaultTimeout(120_000);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TOKEN = "reload-load-token-0123456789";

/** Each version changes something a reload applies: the http source's tokens, the endpoint, delivery defaults. */
const config = (url: string, version: number) => `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], timeoutMs: ${2000 + version * 100}, schedule: ["100ms", "200ms", "500ms", "1s", "1s"], jitter: 0 },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [
    { name: "t", token: "${TOKEN}" }${version % 2 ? `, { name: "extra${version}", token: "extra-token-${version}-0123456789" }` : ""}] }],
  endpoints: [{ id: "rx", url: "${url}", events: ["*"], secret: "${SECRET}", headers: { "x-version": "${version}" } }],
});
`;

let receiver: Receiver;
/** Ids answered 200, with how often: exactly once each is the point. */
const delivered = new Map<string, number>();
beforeAll(async () => {
  // Every 20th request fails, so retries run while reloads happen.
  receiver = startReceiver((req, n) => {
    if (n % 20 === 0) return new Response("try again", { status: 500 });
    const id = req.headers["webhook-id"]!;
    delivered.set(id, (delivered.get(id) ?? 0) + 1);
    return new Response("ok");
  });
  await ensureBinary();
});
afterAll(() => receiver.stop());

test("under load, several reloads (and a broken file) lose and duplicate nothing: every accepted event is delivered exactly once", async () => {
  const path = writeConfig(config(receiver.url, 0));
  const running = await startBinary(path);
  const accepted = new Set<string>();
  const refused: number[] = [];
  let posting = true;
  const client = async () => {
    for (let i = 0; posting; i++) {
      const res = await fetch(`${running.url}/v1/events`, {
        method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ type: "load.test", data: { i } }),
      });
      if (res.status === 202) accepted.add(((await res.json()) as { id: string }).id);
      else refused.push(res.status);
    }
  };
  const clients = Array.from({ length: 4 }, client);
  try {
    const reloaded = () => running.output().split("\n").filter((l) => l.includes('"msg":"config reloaded"')).length;
    for (let version = 1; version <= 6; version++) {
      await Bun.sleep(300);
      // Version 4 is broken first: the running config stays, then the good file applies.
      if (version === 4) {
        writeFileSync(path, config(receiver.url, version).replace("defineConfig({", "defineConfig({ bogus: 1,"));
        running.proc.kill("SIGHUP");
        await waitFor(() => running.output().includes("config reload failed"), { timeoutMs: 10_000, what: "the failed reload" });
      }
      writeFileSync(path, config(receiver.url, version));
      running.proc.kill("SIGHUP");
      await waitFor(() => reloaded() === version, { timeoutMs: 10_000, what: `reload ${version}` });
    }
    await Bun.sleep(300);
    // Posting goes on until more than 200 are in (a loaded machine accepts fewer in a fixed time).
    await waitFor(() => accepted.size > 200, { timeoutMs: 60_000, what: "more than 200 events accepted" });
    posting = false;
    await Promise.all(clients);

    expect(refused).toEqual([]);
    expect(accepted.size).toBeGreaterThan(200);
    await waitFor(() => [...accepted].every((id) => delivered.has(id)), { timeoutMs: 60_000, what: "every accepted event delivered" });
    // Long enough for any stray second send (a lease ending, a retry) to arrive: a fixed wait, as nothing may come.
    await Bun.sleep(2_000);
    const twice = [...delivered].filter(([, n]) => n > 1);
    expect(twice).toEqual([]);
    expect([...delivered.keys()].filter((id) => !accepted.has(id))).toEqual([]);
    console.log(`reload under load: ${accepted.size} events accepted, ${delivered.size} delivered once each, 6 reloads + 1 refused`);
  } finally {
    posting = false;
    expect(await running.stop()).toBe(0);
  }
});
