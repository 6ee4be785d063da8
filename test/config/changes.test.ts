import { expect, test } from "bun:test";
import * as v from "valibot";
import { changeSummary, configChanges } from "../../src/config/changes.ts";
import { ConfigSchema, type ConfigInput } from "../../src/config/schema.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const base: ConfigInput = {
  sources: [{ type: "http", id: "app", tokens: [{ name: "t", token: "0123456789abcdef" }] }, { type: "poll", id: "crm", map: (x: unknown) => x }],
  endpoints: [{ id: "a", url: "https://a.example.com", events: ["*"], secret: SECRET }, { id: "b", url: "https://b.example.com", events: ["*"], secret: SECRET }],
};
const parse = (input: ConfigInput) => v.parse(ConfigSchema, input);
const diff = (after: ConfigInput) => changeSummary(configChanges(parse(base), parse(after)));

test.each<[string, ConfigInput, Record<string, unknown>]>([
  ["nothing", base, {}],
  ["an endpoint added, one changed, one removed", { ...base, endpoints: [{ ...base.endpoints![0]!, url: "https://a2.example.com" }, { id: "c", url: "https://c.example.com", events: ["*"], secret: SECRET }] },
    { endpoints: { added: ["c"], changed: ["a"], removed: ["b"] } }],
  ["a transform's source text", { ...base, endpoints: [{ ...base.endpoints![0]!, transform: (e) => e.data }, base.endpoints![1]!] }, { endpoints: { changed: ["a"] } }],
  ["a source's function", { ...base, sources: [base.sources![0]!, { type: "poll", id: "crm", map: (x: unknown) => [x] }] }, { sources: { restarted: ["crm"] } }],
  ["a source added and one gone", { ...base, sources: [base.sources![0]!, { type: "http", id: "two", path: "/two", tokens: [] }] }, { sources: { added: ["two"], removed: ["crm"] } }],
  ["admin tokens, catalog, delivery, tenants", { ...base, admin: { tokens: [{ name: "ops", token: "0123456789abcdef" }] }, events: { x: {} }, delivery: { jitter: 0 }, tenants: { maxEndpoints: 3 } },
    { tokens: true, catalog: true, delivery: true, tenants: true }],
  ["the portal's brand, theme and languages", { ...base, portal: { brand: { name: "Acme" }, theme: "dark", locales: ["en"] } }, { portal: true }],
  ["server and store keys", { ...base, server: { port: 9090 }, store: { retention: "7d" } }, { needRestart: ["server.port", "store.retention"] }],
  ["the metrics token and labels", { ...base, server: { metricsToken: "0123456789abcdef" }, metrics: { perEndpoint: true } }, { needRestart: ["server.metricsToken", "metrics.perEndpoint"] }],
])("%s", (_name, after, expected) => {
  expect(diff(after)).toEqual(expected);
});
