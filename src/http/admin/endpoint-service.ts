import type { Insertable } from "kysely";
import { sealAuth, type EndpointOptions } from "../../core/endpoints.ts";
import { fail, originMove, originMoveProblems, secretForScheme, storedHeaders, unmaskAuth, type Problems } from "./endpoint-credentials.ts";
import { newId } from "../../core/ids.ts";
import { generateSecret, secretProblem, type SchemeName } from "../../core/signing.ts";
import { unlistedTypes } from "../../core/patterns.ts";
import { checkUrl } from "../../outbound/url-policy.ts";
import type { EndpointRow, EndpointsTable } from "../../store/schema.ts";
import { HttpProblem } from "../problem.ts";
import { requireApiManaged, requireEndpoint, type AdminContext } from "./context.ts";
import { OPTION_KEYS, type EndpointCreate, type EndpointPatch } from "./schemas.ts";
import { urlTargetProblems, verifyPing } from "./verify.ts";
import { endpointView } from "./views.ts";


/** Checks the schema cannot express: the URL policy, the secret's format, event types in the catalog. */
function checkFields(ctx: AdminContext, fields: { url?: string; events?: string[]; scheme?: SchemeName; secret?: string }): Problems {
  const problems: Problems = [];
  if (fields.url !== undefined) {
    const reason = checkUrl(fields.url, ctx.config.delivery);
    if (reason) problems.push({ path: "url", message: reason });
  }
  if (fields.secret !== undefined && fields.scheme) {
    const reason = secretProblem(fields.scheme, fields.secret);
    if (reason) problems.push({ path: "secret", message: reason });
  }
  for (const { index, type } of unlistedTypes(fields.events ?? [], ctx.config.events)) {
    problems.push({ path: `events[${index}]`, message: `unknown event type "${type}" (the config's events lists the types)` });
  }
  return problems;
}

function optionsOf(body: Partial<Record<(typeof OPTION_KEYS)[number], unknown>>, base: EndpointOptions = {}): string {
  const options: Record<string, unknown> = { ...base };
  for (const key of OPTION_KEYS) {
    if (body[key] === null) delete options[key];
    else if (body[key] !== undefined) options[key] = body[key];
  }
  return JSON.stringify(options);
}

/** Creates an API endpoint: checks, then (unless verify is false) a ping that must get a 2xx, then saves. */
export async function createEndpoint(ctx: AdminContext, body: EndpointCreate) {
  fail(checkFields(ctx, { url: body.url, events: body.events, scheme: body.signing.scheme, secret: body.secret }));
  fail(await urlTargetProblems(ctx, body.url));
  const now = Date.now();
  // Every endpoint gets a secret, even with scheme "none", so switching schemes later needs no new secret.
  const secret = body.secret ?? generateSecret();
  const row: Insertable<EndpointsTable> & EndpointRow = {
    id: newId("ep", now), url: body.url, description: body.description, events: JSON.stringify(body.events),
    enabled: body.enabled ? 1 : 0, disabled_reason: body.enabled ? null : "created disabled", managed_by: "api",
    headers: JSON.stringify(storedHeaders(ctx.registry.codec, body.headers, null, null)), auth: body.auth ? JSON.stringify(sealAuth(body.auth, ctx.registry.codec)) : null,
    signing_scheme: body.signing.scheme, signing_header: body.signing.header ?? null,
    secret: ctx.registry.codec.encrypt(secret), previous_secret: null, previous_secret_until: null,
    consecutive_failures: 0, failing_since: null, options: optionsOf(body), created_at: now, updated_at: now,
  };
  if (body.verify) {
    const { ok, attempt } = await verifyPing(ctx, { ...ctx.registry.toRuntime(row, now), enabled: true });
    if (!ok) {
      throw new HttpProblem(422, `the verification ping to ${body.url} did not get a 2xx (${attempt.error}): nothing was saved (fix the receiver, or send verify: false)`,
        [{ path: "url", message: "did not answer the ping with a 2xx" }], {}, { attempt });
    }
  }
  await ctx.queries.insertEndpoint(row);
  await ctx.registry.refresh();
  return { ...endpointView(row), signingSecret: secret };
}

/** Changes an endpoint. A config endpoint takes only `enabled`; enabling resumes its waiting deliveries at once. */
export async function patchEndpoint(ctx: AdminContext, id: string, body: EndpointPatch) {
  const row = await requireEndpoint(ctx, id);
  const changes = Object.keys(body).filter((k) => k !== "enabled" && body[k as keyof EndpointPatch] !== undefined);
  if (changes.length) requireApiManaged(row, `change ${changes.join(", ")}`);
  // A credential set up for one receiver never follows the URL to another origin (endpoint-credentials.ts).
  const move = originMove(row.url, body.url);
  fail([...checkFields(ctx, { url: body.url, events: body.events }), ...(move ? originMoveProblems(row, body, move) : [])]);
  fail(await urlTargetProblems(ctx, body.url));
  const codec = ctx.registry.codec;
  const rekeyed = body.signing !== undefined ? secretForScheme(codec, row, body.signing.scheme) : { columns: {} };

  if (changes.length) {
    await ctx.queries.updateEndpoint(id, {
      ...(body.url !== undefined && { url: body.url }),
      ...(body.events !== undefined && { events: JSON.stringify(body.events) }),
      ...(body.description !== undefined && { description: body.description }),
      ...(body.headers !== undefined && { headers: JSON.stringify(storedHeaders(codec, body.headers, row.headers, move)) }),
      ...(body.auth !== undefined && { auth: body.auth === null ? null : JSON.stringify(unmaskAuth(codec, body.auth, row.auth, move)) }),
      ...(body.signing !== undefined && { signing_scheme: body.signing.scheme, signing_header: body.signing.header ?? null }),
      ...rekeyed.columns,
      options: optionsOf(body, JSON.parse(row.options)),
    });
  }
  if (body.enabled !== undefined && body.enabled !== (row.enabled === 1)) {
    await ctx.store.setEndpointEnabled(id, body.enabled, body.enabled ? null : "disabled by an admin");
  }
  await ctx.registry.refresh();
  const runtime = ctx.registry.get(id);
  if (body.enabled && runtime) void ctx.dispatcher.claim(runtime);
  const view = endpointView((await ctx.queries.endpoint(id))!);
  return rekeyed.signingSecret === undefined ? view : { ...view, signingSecret: rekeyed.signingSecret };
}
