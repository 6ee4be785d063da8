import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { BURST_SECONDS } from "../../src/http/session-rate.ts";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { adminClient } from "./support.ts";

// DESIGN §9: past tenants.requestsPerSecond a session gets 429 with Retry-After. Before, a session could call the
// admin API as fast as it liked (four callers pushed /healthz to 569 ms p50).
setDefaultTimeout(30_000);

let app: TestApp | null = null;
afterEach(async () => { await app?.close(); app = null; });

async function start(tenants: Record<string, unknown> = {}) {
  app = await startTestApp(baseConfig({ tenants } as never));
  const api = adminClient(app.url);
  const session = async (tenant: string) => ((await api("POST", `/tenants/${tenant}/sessions`, {})).body as { token: string }).token;
  return { api, session };
}

describe("tenants.requestsPerSecond", () => {
  test("a session past its rate gets 429 problem+json with Retry-After; admin tokens and other sessions go on; it recovers", async () => {
    const { api, session } = await start({ requestsPerSecond: 2 });
    const acme = await session("acme");
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof api>> | null = null;
    for (let i = 0; i < 2 * BURST_SECONDS + 4; i++) {
      const answer = await api("GET", "/endpoints", undefined, acme);
      statuses.push(answer.status);
      if (answer.status === 429) refused ??= answer;
    }
    expect(statuses.slice(0, 2 * BURST_SECONDS).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect(refused!.headers.get("content-type")).toContain("application/problem+json");
    expect(refused!.body.detail).toContain("tenants.requestsPerSecond");
    const wait = Number(refused!.headers.get("retry-after"));
    expect(wait).toBeGreaterThanOrEqual(1);
    // Nobody else pays for acme's calls.
    for (let i = 0; i < 20; i++) expect((await api("GET", "/endpoints")).status).toBe(200);
    expect((await api("GET", "/endpoints", undefined, await session("beta"))).status).toBe(200);
    await Bun.sleep(wait * 1000);
    expect((await api("GET", "/endpoints", undefined, acme)).status).toBe(200);
  });

  test("the default (20/s) lets a portal page's burst of requests through at once", async () => {
    const { api, session } = await start({ requestsPerSecond: undefined }); // the schema's default
    const acme = await session("acme");
    // The endpoint list page asks for /me, the list and one /stats per row (20 rows): 22 at once.
    const answers = await Promise.all(Array.from({ length: 22 }, () => api("GET", "/endpoints", undefined, acme)));
    expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
    // ...and the default is in force: 60 more at once go past its 3 s of burst.
    const more = await Promise.all(Array.from({ length: 60 }, () => api("GET", "/endpoints", undefined, acme)));
    expect(more.some((a) => a.status === 429)).toBe(true);
  });
});
