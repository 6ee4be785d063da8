import { expect, test } from "bun:test";
import { resolveConfig } from "../../src/config/load.ts";
import { builtinPlugins } from "../../plugins/index.ts";
import type { ConfigInput } from "../../src/config/schema.ts";

const base: ConfigInput = { server: { port: 0 }, store: { sqlite: ":memory:" }, delivery: { requireHttps: false } };
const endpoint = (events: string[]) => ({ id: "crm", url: "https://example.com/hooks", events, signing: { scheme: "none" as const } });
const problems = async (config: ConfigInput) => {
  const result = await resolveConfig(config, "/tmp/webhooks.config.ts", builtinPlugins);
  return result.ok ? [] : result.problems;
};

test("with a catalog, a config endpoint's exact types must be listed in it, as its own keys", async () => {
  const events = { "job.done": {} };
  const found = await problems({ ...base, events, endpoints: [endpoint(["job.done", "constructor", "job.*", "toString", "__proto__", "*", "job.nope"])] });
  expect(found).toEqual([1, 3, 4, 6].map((i) => ({ path: `endpoints[0].events[${i}]`, message: expect.stringContaining("unknown event type") })));
  expect(await problems({ ...base, events, endpoints: [endpoint(["job.done", "job.*", "*"])] })).toEqual([]);
  // Without a catalog any type goes.
  expect(await problems({ ...base, endpoints: [endpoint(["constructor", "job.nope"])] })).toEqual([]);
});

test.each(["constructor", "toString", "__proto__", "hasOwnProperty"])("source type %p is an unknown source type, not a crash", async (type) => {
  expect(await problems({ ...base, sources: [{ type, id: "s" }] })).toEqual([{ path: "sources[0].type", message: expect.stringContaining(`unknown source type "${type}"`) }]);
});

test("catalog names follow the event-type rule", async () => {
  const found = await problems({ ...base, events: { "job.done": {}, "bad type": {}, "caf\u00e9.x": {} } });
  expect(found.map((p) => p.path).sort()).toEqual(['events["bad type"]', 'events["café.x"]']);
});

test("store.pool sizes the Postgres pool: a whole number from 1, and only with store.postgres", async () => {
  const pg = { postgres: "postgres://h/db" };
  expect(await problems({ ...base, store: { ...pg, pool: 4 } })).toEqual([]);
  expect(await problems({ ...base, store: { ...pg, pool: 0 } })).toEqual([{ path: "store.pool", message: expect.any(String) }]);
  expect(await problems({ ...base, store: { sqlite: ":memory:", pool: 4 } })).toEqual([
    { path: "store", message: "pool sizes the Postgres connections: set it with postgres, or remove it" },
  ]);
});

test("two tokens with one name in an http source are refused at the second, with the fix; one name in two sources is fine", async () => {
  const token = (name: string, n: number, tenant?: string) => ({ name, token: `ingest-token-${n}-0123456789`, ...(tenant && { tenant }) });
  const http = (id: string, tokens: ReturnType<typeof token>[]) => ({ type: "http", id, path: `/${id}`, tokens });
  expect(await problems({ ...base, sources: [http("app", [token("cust", 1, "acme"), token("ops", 2), token("cust", 3, "beta")])] })).toEqual([
    { path: "sources[0].tokens[2].name", message: expect.stringMatching(/^"cust" is already used by tokens\[0\]: .*rename one/) },
  ]);
  expect(await problems({ ...base, sources: [http("a", [token("cust", 1)]), http("b", [token("cust", 2)])] })).toEqual([]);
});

test("an entry with an unknown key, nested too, is still checked for the rest: the key and every other problem, each at its path", async () => {
  const found = await problems({
    ...base,
    events: { "job.done": {} },
    endpoints: [
      { ...endpoint(["job.done"]) },
      // @ts-expect-error: the unknown keys are the point
      { ...endpoint(["job.nope"]), url: "https://169.254.169.254/x", signing: { scheme: "standard", algo: "sha1" }, secret: "whsec_short" },
    ],
  });
  expect(found.map((p) => p.path)).toEqual(["endpoints[1].signing.algo", "endpoints[1].id", "endpoints[1].url", "endpoints[1].secret", "endpoints[1].events[0]"]);
});
