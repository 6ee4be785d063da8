import { describe, expect, test } from "bun:test";
import { createHttp } from "../../src/http/admin-app.ts";
import { healthAnswer } from "../../src/http/server.ts";
import { ROUTING_ORIGIN } from "../../src/http/path.ts";

/**
 * /healthz and /readyz are answered before the Elysia app (so a start need not build the admin app first, P5) and
 * by the app itself (HEAD, and whoever handles requests through it): both must give the same answer.
 */
describe("the health checks answer alike with and without the Elysia app", () => {
  const states: [string, { health: () => Record<string, unknown>; notReady: () => string | null }][] = [
    ["ready", { health: () => ({ store: "ok" }), notReady: () => null }],
    ["starting", { health: () => ({ store: "ok" }), notReady: () => "starting" }],
    ["store down", { health: () => ({ store: "unavailable" }), notReady: () => "store unavailable" }],
  ];
  for (const [name, options] of states) {
    for (const path of ["/healthz", "/readyz"]) {
      test(`${path}, ${name}`, async () => {
        const viaApp = await createHttp(options).handle(new Request(ROUTING_ORIGIN + path));
        const direct = healthAnswer(options, "GET", path)!;
        expect(direct).not.toBeNull();
        const answer = async (r: Response) => ({ status: r.status, type: r.headers.get("content-type"), retry: r.headers.get("retry-after"), body: await r.json() });
        expect(await answer(direct)).toEqual(await answer(viaApp));
      });
    }
  }

  test("only GET of those two paths is answered directly", () => {
    const options = { health: () => ({}), notReady: () => null };
    expect(healthAnswer(options, "HEAD", "/healthz")).toBeNull();
    expect(healthAnswer(options, "POST", "/readyz")).toBeNull();
    expect(healthAnswer(options, "GET", "/healthz/")).toBeNull();
    expect(healthAnswer(options, "GET", "/api/v1/endpoints")).toBeNull();
  });
});
