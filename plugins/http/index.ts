import * as v from "valibot";
import {
  bearerToken, definePlugin, findToken, formatPath, EventPattern, InvalidEventsError, matchesAny, MAX_DEPTH, problem, readBody, Summarizer, TenantId, textTooDeep, TOO_DEEP, valueTooDeep,
  type EventInput, type SourceContext,
} from "../../src/plugin-api/index.ts";
import { queryTokenName } from "./query-token.ts";

const MAX_EVENTS = 1_000;
/**
 * A store that does not answer (a network cut mid-query) gets a 503 after this long rather than a hung request. The
 * write may still commit later and be delivered: a client that retries with an Idempotency-Key gets no duplicate.
 */
const STORE_DEADLINE_MS = 4_000;

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: Timer | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`the store did not answer within ${ms} ms`)), ms); });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const Options = v.strictObject({
  path: v.optional(v.pipe(v.string(), v.regex(/^\/[A-Za-z0-9/_.-]*$/, 'must be a path like "/v1/events"')), "/v1/events"),
  tokens: v.pipe(
    v.array(v.strictObject({
      name: v.string(),
      token: v.pipe(v.string(), v.minLength(16, "must be at least 16 characters (openssl rand -hex 24)")),
      events: v.optional(v.array(EventPattern), ["*"]),
      /** Binds the token to one customer: its events take this tenant, and naming another is refused. */
      tenant: v.optional(TenantId),
    })),
    v.minLength(1, "list at least one token: an http source without tokens accepts nothing"),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      // Idempotency keys and 403s are per token name: two tokens with one name would share them.
      const first = new Map<string, number>();
      dataset.value.forEach((token, i) => {
        const earlier = first.get(token.name);
        if (earlier === undefined) { first.set(token.name, i); return; }
        addIssue({
          message: `${JSON.stringify(token.name)} is already used by tokens[${earlier}]: token names must be unique in a source (idempotency keys are per name), rename one`,
          path: [
            { type: "array", origin: "value", input: dataset.value, key: i, value: token },
            { type: "object", origin: "value", input: token, key: "name", value: token.name },
          ],
        });
      });
    }),
  ),
});
type Options = v.InferOutput<typeof Options>;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const decoder = new TextDecoder();

/**
 * Refuses over-deep nesting right after JSON.parse (which copes with any depth), before anything that recurses (the
 * schema checks, JSON.stringify): one event's data may nest MAX_DEPTH deep, which the body does one level deeper
 * (the event), two in an array. The path names the event's field. The check walks the parsed containers, at most
 * that deep, rather than every byte of the body (as a scan before the parse did: 6 % of P1b's samples).
 */
function tooDeep(body: unknown): { path: string; message: string } | null {
  const batch = Array.isArray(body);
  return named(valueTooDeep(body, MAX_DEPTH + (batch ? 2 : 1)), batch);
}

/**
 * Bodies above this many bytes are scanned for depth before the parse instead. JSON.parse builds every level it
 * reads: 1 MB of brackets (500,000 levels) took it 95–140 ms here, and their collection 20–35 ms more, on the event
 * loop, to refuse them; the scan finds the 67th level in microseconds, and a shallow body costs it about 1 ns per
 * byte (under 10 % of the parse's own). Below the line the parse's worst case is some 15 ms, and the usual bodies
 * (P1b's arrays of 100 events are 106 KB) pay nothing.
 */
const SCAN_ABOVE_BYTES = 128 * 1024;

/** The same as tooDeep on the text, before it is parsed: it need not be valid JSON (the parse after says so). */
function textDeep(bytes: Uint8Array): { path: string; message: string } | null {
  let first = 0;
  while (first < bytes.length && (bytes[first] === 0x20 || bytes[first] === 0x0a || bytes[first] === 0x0d || bytes[first] === 0x09)) first++;
  const batch = bytes[first] === 0x5b;
  return named(textTooDeep(bytes, MAX_DEPTH + (batch ? 2 : 1)), batch);
}

function named(path: (string | number)[] | null, batch: boolean): { path: string; message: string } | null {
  return path && { path: formatPath(path.slice(0, batch ? 2 : 1)), message: TOO_DEEP };
}

const tooDeepAnswer = (problemAt: { path: string; message: string }) =>
  problem(422, `event data may nest at most ${MAX_DEPTH} levels deep: nothing was stored`, [problemAt]);

/**
 * A bound token's events take its tenant (set here when absent); answers the events that name another one. An
 * event that is not an object is left for validation to refuse.
 */
function bindTenant(events: unknown[], isArray: boolean, name: string, tenant: string): { path: string; message: string }[] {
  return events.flatMap((e, i) => {
    if (typeof e !== "object" || e === null || Array.isArray(e)) return [];
    const event = e as Record<string, unknown>;
    if (event.tenant === undefined) { event.tenant = tenant; return []; }
    if (event.tenant === tenant) return [];
    return [{ path: isArray ? `[${i}].tenant` : "tenant", message: `token "${name}" may send only tenant "${tenant}"'s events, not ${JSON.stringify(event.tenant)?.slice(0, 140)}` }];
  });
}

/** `POST {path}` with a bearer token: one event or an array of up to 1,000 (DESIGN section 3). */
async function handle(request: Request, options: Options, ctx: SourceContext, errors: Summarizer): Promise<Response> {
  const named = queryTokenName(request.url);
  if (named !== null) {
    return problem(401, `tokens in the query string are refused ("${named.slice(0, 40)}"): send Authorization: Bearer <token>`, undefined, { "www-authenticate": "Bearer" });
  }
  const presented = bearerToken(request.headers.get("authorization"));
  const token = presented ? findToken(options.tokens, presented) : null;
  if (!token) {
    return problem(401, presented ? "the bearer token is not valid for this source" : "send Authorization: Bearer <token>", undefined, { "www-authenticate": "Bearer" });
  }
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json" && !/^application\/[\w.+-]+\+json$/.test(type)) {
    return problem(415, `content-type must be application/json, not "${type || "(none)"}"`);
  }
  const bytes = await readBody(request, ctx.settings.maxBodyBytes);
  if (bytes === null) return problem(413, `the body is over ${ctx.settings.maxBodyBytes} bytes (server.maxBodyBytes)`);
  // One depth check per body: a large one's text before the parse, a small one's value after it (the same levels).
  const scanned = bytes.length > SCAN_ABOVE_BYTES;
  const deepText = scanned ? textDeep(bytes) : null;
  if (deepText) return tooDeepAnswer(deepText);
  let body: unknown;
  try { body = JSON.parse(decoder.decode(bytes)); } catch { return problem(400, "the body is not valid JSON"); }
  const deep = scanned ? null : tooDeep(body);
  if (deep) return tooDeepAnswer(deep);

  const isArray = Array.isArray(body);
  const events = (isArray ? body : [body]) as unknown[];
  if (isArray && events.length === 0) return problem(422, "the array is empty: send at least one event", [{ path: "", message: "must hold 1-1000 events" }]);
  if (events.length > MAX_EVENTS) return problem(422, `at most ${MAX_EVENTS} events per request, got ${events.length}`, [{ path: "", message: `must hold 1-${MAX_EVENTS} events` }]);

  const denied = events.flatMap((e, i) => {
    const t = (e as { type?: unknown } | null)?.type;
    return typeof t === "string" && !matchesAny(t, token.events) ? [{ path: isArray ? `[${i}].type` : "type", message: `token "${token.name}" may not send "${t}"` }] : [];
  });
  if (denied.length) return problem(403, `token "${token.name}" is not allowed these event types`, denied);
  if (token.tenant !== undefined) {
    const bound = bindTenant(events, isArray, token.name, token.tenant);
    if (bound.length) return problem(403, `token "${token.name}" is bound to tenant "${token.tenant}": its events may not name another tenant`, bound);
  }

  const key = request.headers.get("idempotency-key");
  if (!isArray && key && typeof body === "object" && body !== null && !Object.hasOwn(body, "id")) (body as Record<string, unknown>).id = key;

  try {
    // Keys are per token (and per tenant, as every source's): one client's "job-42" must not make another's a duplicate.
    const results = await withDeadline(ctx.emit(events as EventInput[], { idempotencyScope: token.name }), STORE_DEADLINE_MS);
    if (!isArray) {
      const r = results[0]!;
      return r.duplicate ? json(200, { id: r.id, deliveries: r.deliveries, duplicate: true }) : json(202, { id: r.id, deliveries: r.deliveries });
    }
    const all = results.every((r) => r.duplicate);
    return json(all ? 200 : 202, { events: results.map((r) => (r.duplicate ? r : { id: r.id, deliveries: r.deliveries })) });
  } catch (e) {
    if (e instanceof InvalidEventsError) return problem(422, "invalid event: nothing was stored", e.problems);
    // A store that fails (a full disk, Postgres down) fails every request: one line per interval, with the count.
    errors.error("ingest failed", "ingest failed: the store refused the write", { error: String(e) });
    return problem(503, "the event could not be stored; retry shortly", undefined, { "retry-after": "1" });
  }
}

export default definePlugin({
  type: "http",
  options: Options,
  create(options, ctx) {
    const errors = new Summarizer(ctx.log);
    ctx.route({ method: "POST", path: options.path, handle: (request) => handle(request, options, ctx, errors) });
    return { async start() {}, async stop() { errors.flush(); } };
  },
});
