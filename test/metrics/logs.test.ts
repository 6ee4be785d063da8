import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { ADMIN_TOKEN, baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { adminClient } from "../http/support.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";

setDefaultTimeout(30_000);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
let receiver: Receiver;
let app: TestApp | null = null;
beforeAll(() => { receiver = startReceiver(); });
afterAll(() => receiver.stop());
afterEach(async () => { await app?.close(); app = null; });

type Line = Record<string, unknown> & { level: string; msg: string };
const parse = (logs: string[]): Line[] => logs.map((l) => JSON.parse(l) as Line);

describe("admin actions write one info line each, with ids and never a secret", () => {
  test("endpoint create, update, rotate, retry, recover, delete; tenant session create, revoke; tenant delete", async () => {
    const logs: string[] = [];
    app = await startTestApp(baseConfig(), { logs });
    const api = adminClient(app.url);
    const created = await api("POST", "/endpoints", { url: receiver.url, events: ["*"], tenant: "acme", verify: false, headers: { "x-api-key": "header-secret-value-123" } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const secrets = [ADMIN_TOKEN, created.body.signingSecret as string, "header-secret-value-123"];
    expect((await api("PATCH", `/endpoints/${id}`, { description: "crm", enabled: false })).status).toBe(200);
    expect((await api("PATCH", `/endpoints/${id}`, { enabled: true })).status).toBe(200);
    const rotated = await api("POST", `/endpoints/${id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.signingSecret);
    const posted = await app.post({ type: "job.done", data: {}, tenant: "acme" });
    expect(posted.status).toBe(202);
    await waitFor(() => receiver.requests.length >= 1, { timeoutMs: 5_000, what: "the delivery" });
    const [delivery] = (await api("GET", `/deliveries?endpoint=${id}`)).body.data as { id: string }[];
    expect((await api("POST", `/deliveries/${delivery!.id}/retry`)).status).toBe(200);
    expect((await api("POST", `/endpoints/${id}/recover`, { since: new Date(Date.now() - 60_000).toISOString() })).status).toBe(200);
    const session = await api("POST", "/tenants/acme/sessions", { scopes: ["read"] });
    expect(session.status).toBe(201);
    secrets.push(session.body.token, session.body.url);
    expect((await api("DELETE", "/tenants/acme/sessions")).status).toBe(200);
    expect((await api("DELETE", `/endpoints/${id}`)).status).toBe(204);
    expect((await api("DELETE", "/tenants/acme")).status).toBe(200);

    const lines = parse(logs).filter((l) => l.component === "admin");
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ["info", "endpoint created"], ["info", "endpoint updated"], ["info", "endpoint updated"], ["info", "endpoint secret rotated"],
      ["info", "delivery retried"], ["info", "deliveries recovered"], ["info", "tenant session created"], ["info", "tenant sessions revoked"],
      ["info", "endpoint deleted"], ["info", "tenant deleted"],
    ]);
    for (const line of lines) expect(line.by).toBe("test"); // the admin token's name, not the token
    for (const line of lines) expect(line.tenant).toBe("acme"); // the tenant acted on, on every line
    expect(lines[0]).toMatchObject({ endpoint: id, tenant: "acme" });
    expect(lines[1]).toMatchObject({ endpoint: id, fields: ["description", "enabled"], enabled: false });
    expect(lines[4]).toMatchObject({ delivery: delivery!.id, endpoint: id, attempt: 2, status: 200 });
    expect(lines[5]).toMatchObject({ endpoint: id, requeued: 0 });
    expect(lines[6]).toMatchObject({ tenant: "acme", scopes: ["read"] });
    expect(lines[7]).toMatchObject({ tenant: "acme", revoked: 1 });
    const all = logs.join("\n");
    for (const secret of secrets) expect(all).not.toContain(secret);
  });

  test("a tenant session's change names the tenant as its author", async () => {
    const logs: string[] = [];
    app = await startTestApp(baseConfig(), { logs });
    const api = adminClient(app.url);
    const { token } = (await api("POST", "/tenants/acme/sessions", {})).body as { token: string };
    const created = await api("POST", "/endpoints", { url: receiver.url, events: ["*"], verify: false }, token);
    expect(created.status).toBe(201);
    const line = parse(logs).find((l) => l.msg === "endpoint created")!;
    expect(line).toMatchObject({ by: "session", byTenant: "acme", tenant: "acme" });
    expect(JSON.stringify(line)).not.toContain(token);
  });
});

describe("HOOKGATE_LOG_LEVEL on the server", () => {
  const config = () => baseConfig({ endpoints: [{ id: "rx", url: receiver.url, events: ["*"], secret: SECRET }] as never });

  test("debug: a line per accepted event and per attempt", async () => {
    const logs: string[] = [];
    app = await startTestApp(config(), { logs, logLevel: "debug" });
    const { id } = await (await app.post({ type: "job.done", data: {}, id: "k1" })).json() as { id: string };
    await app.post({ type: "job.done", data: {}, id: "k1" }); // a duplicate: its line says so
    await waitFor(() => parse(logs).some((l) => l.msg === "attempt"), { timeoutMs: 5_000, what: "the attempt line" });
    const accepted = parse(logs).filter((l) => l.msg === "event accepted");
    expect(accepted.map((l) => [l.level, l.event, l.source, l.type, l.deliveries, l.duplicate])).toEqual([
      ["debug", id, "app", "job.done", 1, false], ["debug", id, "app", "job.done", 1, true],
    ]);
    const attempt = parse(logs).find((l) => l.msg === "attempt")!;
    expect(attempt).toMatchObject({ level: "debug", component: "dispatcher", endpoint: "rx", attempt: 1, status: 200, outcome: "success", next: "succeeded" });
    expect(attempt.delivery).toStartWith("dlv_");
    expect(typeof attempt.durationMs).toBe("number");
  });

  test.each(["info", "warn"])("%s: no debug lines (and at warn, no info lines)", async (level) => {
    const logs: string[] = [];
    app = await startTestApp(config(), { logs, logLevel: level });
    expect((await adminClient(app.url)("POST", "/endpoints", { url: receiver.url, events: ["other"], verify: false })).status).toBe(201);
    await app.post({ type: "job.done", data: {} });
    await waitFor(() => receiver.requests.length > 0, { timeoutMs: 5_000, what: "the delivery" });
    await app.close(); app = null;
    const lines = parse(logs);
    expect(lines.filter((l) => l.level === "debug")).toEqual([]);
    expect(lines.filter((l) => l.level === "info").map((l) => l.msg)).toEqual(level === "info" ? ["endpoint created"] : []);
  });
});
