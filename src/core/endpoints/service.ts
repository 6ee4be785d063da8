import type { AttemptRow } from "../../store/schema.ts";
import type { Store } from "../../store/types.ts";
import type { UrlChecker, UrlPolicy } from "../sender.ts";
import { sentBody } from "../delivery/attempt-body.ts";
import { attemptOnce, type Sender } from "../delivery/attempt.ts";
import { leaseMs } from "../lease.ts";
import type { Dispatcher } from "../delivery/dispatcher.ts";
import { DomainError } from "../errors.ts";
import { catalogExample, toEventRow } from "../events.ts";
import { newId } from "../ids.ts";
import type { OperationalEvents } from "../operational-events.ts";
import type { TenantScope } from "../scope.ts";
import { atTheCap, EndpointChecks, requireApiManaged, sessionGone } from "./checks.ts";
import { secretProblem, singleSignature, type SchemeName } from "../signing.ts";
import { fail, newSecretAnswer, newSigningSecret, originMove, originMoveProblems, sealAuth, secretForScheme, storedHeaders, unmaskAuth, type NewSecretAnswer, type ReceiverAuth } from "./credentials.ts";
import type { Endpoint, EndpointFilter, EndpointQueries, EndpointUpdate } from "./endpoint.ts";
import { withOptionChanges, type EndpointOptions, type OptionChanges, type OptionKey } from "./options.ts";
import type { EndpointRegistry, RuntimeEndpoint } from "./registry.ts";
import { failLimits, limitProblems, underTenantLimits, type TenantLimits } from "./tenant-limits.ts";

/** A new API endpoint, as the admin API parsed it (defaults applied). */
export type EndpointInput = EndpointOptions & {
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  headers: Record<string, string>;
  auth?: ReceiverAuth;
  signing: { scheme: SchemeName; header?: string };
  /** Bring your own signing secret (`ed25519`: a `whsk_` private key); otherwise one is generated. */
  secret?: string;
  /** Send a `ping` first and save only on a 2xx. */
  verify: boolean;
  /** The customer it belongs to; absent: global, or the session's own tenant. */
  tenant?: string;
  /** Which events of its types it gets by their content (checked by the API's schema); absent: all. */
  filter?: EndpointFilter;
};
/** A change: absent keeps, `auth: null` drops the credential, an option's null goes back to the default. */
export type EndpointChanges = Partial<Omit<EndpointInput, "verify" | "secret" | "auth" | "tenant" | "filter" | OptionKey>> & { auth?: ReceiverAuth | null; filter?: EndpointFilter | null } & OptionChanges;

/** What the lifecycle works with: plain services and the config's values, never a request. */
export interface EndpointServiceDeps {
  store: Store;
  queries: EndpointQueries;
  registry: EndpointRegistry;
  dispatcher: Dispatcher;
  /** The outbound sender with the delivery policy applied (the verification ping uses it). */
  send: Sender;
  /** The delivery policy registration checks URLs against, and the checks (the outbound side's) that apply it. */
  policy: UrlPolicy;
  urls: UrlChecker;
  /** The event catalog (types as keys); undefined: any type goes. */
  catalog: object | undefined;
  /** tenants.maxEndpoints: the most endpoints one tenant may have; undefined: no cap. */
  maxEndpoints?: number;
  /** `tenants:` limits on API-written tenant endpoints (timeout, schedule, networks). */
  tenants: TenantLimits;
  /** hookgate's own events: an admin's disable or enable, a rotation. */
  events?: Pick<OperationalEvents, "endpointDisabled" | "endpointEnabled" | "secretRotated">;
}

/** The endpoint lifecycle: create (with the verification ping), change, rotate, test, recover, delete. */
export class EndpointService {
  private readonly checks: EndpointChecks;
  constructor(private readonly deps: EndpointServiceDeps) { this.checks = new EndpointChecks(deps); }

  /**
   * The endpoint, if the scope sees it: another tenant's or a global one reads as an unknown id. Every action starts
   * here, and each write below takes the same scope again, so a session revoked meanwhile changes nothing.
   */
  async get(scope: TenantScope, id: string): Promise<Endpoint> {
    return (await this.deps.queries.endpoint(id, scope)) ?? thrown(scope.notFound("endpoint", id));
  }

  /**
   * Checks, then (unless verify is false) a ping that must get a 2xx, then saves. A session creates in its own tenant,
   * and only if it is still live when the endpoint commits (a revoke or tenant delete during the ping saves nothing).
   */
  async create(scope: TenantScope, input: EndpointInput): Promise<{ endpoint: Endpoint } & NewSecretAnswer> {
    const { codec } = this.deps.registry;
    const tenant = await this.tenantOf(input.tenant, scope);
    const under = { tenant, managedBy: "api" as const };
    fail(this.checks.fields({ url: input.url, events: input.events, scheme: input.signing.scheme, secret: input.secret }, this.checks.policyOf(under)));
    if (underTenantLimits(under)) failLimits(limitProblems(input, this.deps.tenants));
    fail(await this.checks.urlTarget(input.url, this.checks.policyOf(under)));
    const now = Date.now();
    // Every endpoint gets a secret, even with scheme "none", so switching schemes later needs no new secret.
    const fresh = newSigningSecret(input.signing.scheme, input.secret);
    const endpoint: Endpoint = {
      id: newId("ep", now), url: input.url, description: input.description, events: input.events,
      enabled: input.enabled, disabledReason: input.enabled ? null : "created disabled", managedBy: "api", tenant,
      headers: storedHeaders(codec, input.headers, null, null), auth: input.auth ? sealAuth(input.auth, codec) : null,
      signing: { scheme: input.signing.scheme, header: input.signing.header ?? null },
      secret: codec.encrypt(fresh.secret), previousSecret: null, previousSecretUntil: null, publicKey: fresh.publicKey, previousPublicKey: null,
      consecutiveFailures: 0, failingSince: null, lastAttemptAt: null, lastStatusCode: null, options: withOptionChanges(input), filter: input.filter ?? null, createdAt: now, updatedAt: now,
    };
    if (input.verify) {
      const { ok, attempt } = await this.verifyPing({ ...this.deps.registry.toRuntime(endpoint, now), enabled: true });
      if (!ok) {
        throw new DomainError("invalid", `the verification ping to ${input.url} did not get a 2xx (${attempt.error}): nothing was saved (fix the receiver, or send verify: false)`,
          [{ path: "url", message: "did not answer the ping with a 2xx" }], attempt);
      }
      // The ping is the endpoint's first attempt: its page shows it as the last one, not "none yet".
      endpoint.lastAttemptAt = attempt.started_at;
      endpoint.lastStatusCode = attempt.status_code;
    }
    // Checked again where the endpoint is inserted: another create (here or in another process) may have passed the
    // cap above while the ping was out, and the session may have been revoked meanwhile.
    const max = this.deps.maxEndpoints;
    const inserted = await this.deps.store.tenants.insertEndpoint(endpoint, scope, max);
    if (inserted === "session-gone") throw sessionGone();
    if (inserted === "at-cap") throw atTheCap(tenant!, max!);
    await this.deps.registry.refreshOne(endpoint.id);
    return { endpoint, ...newSecretAnswer(fresh) };
  }

  /** The new endpoint's tenant: a session's own (naming another is refused), under the cap, checked before any ping. */
  private async tenantOf(named: string | undefined, scope: TenantScope): Promise<string | null> {
    if (scope.tenant !== null && named !== undefined && named !== scope.tenant) {
      throw new DomainError("invalid", `this session creates endpoints in tenant "${scope.tenant}" only: nothing was saved`, [{ path: "tenant", message: `must be "${scope.tenant}", or left out` }]);
    }
    const tenant = scope.tenant ?? named ?? null;
    const max = this.deps.maxEndpoints;
    if (tenant !== null && max !== undefined && (await this.deps.store.tenants.endpointCount(tenant)) >= max) throw atTheCap(tenant, max);
    return tenant;
  }

  /** A config endpoint takes only `enabled`; enabling resumes its waiting deliveries at once. */
  async patch(scope: TenantScope, id: string, changes: EndpointChanges): Promise<{ endpoint: Endpoint } & NewSecretAnswer> {
    const { queries, registry } = this.deps;
    const current = await this.get(scope, id);
    const changed = Object.keys(changes).filter((k) => k !== "enabled" && changes[k as keyof EndpointChanges] !== undefined);
    if (changed.length) requireApiManaged(current, `change ${changed.join(", ")}`);
    // A credential set up for one receiver never follows the URL to another origin (credentials.ts).
    const move = originMove(current.url, changes.url);
    fail([...this.checks.fields({ url: changes.url, events: changes.events }, this.checks.policyOf(current)), ...(move ? originMoveProblems(current, changes, move) : [])]);
    if (underTenantLimits(current)) failLimits(limitProblems(changes, this.deps.tenants));
    fail(await this.checks.urlTarget(changes.url, this.checks.policyOf(current)));
    const codec = registry.codec;
    const rekeyed: { update: EndpointUpdate } & NewSecretAnswer = changes.signing !== undefined ? secretForScheme(codec, current, changes.signing.scheme) : { update: {} };

    if (changed.length) {
      const updated = await queries.updateEndpoint(id, {
        ...(changes.url !== undefined && { url: changes.url }),
        ...(changes.events !== undefined && { events: changes.events }),
        ...(changes.description !== undefined && { description: changes.description }),
        ...(changes.headers !== undefined && { headers: storedHeaders(codec, changes.headers, current.headers, move) }),
        ...(changes.auth !== undefined && { auth: changes.auth === null ? null : unmaskAuth(codec, changes.auth, current.auth, move) }),
        ...(changes.signing !== undefined && { signing: { scheme: changes.signing.scheme, header: changes.signing.header ?? null } }),
        ...(changes.filter !== undefined && { filter: changes.filter }),
        ...rekeyed.update,
        options: withOptionChanges(changes, current.options),
      }, scope);
      if (!updated) throw await this.goneOrRemoved(scope, id);
    }
    if (changes.enabled !== undefined && changes.enabled !== current.enabled) {
      if (!(await queries.sessionLive(scope))) throw sessionGone();
      const reason = "disabled by an admin";
      await this.deps.store.setEndpointEnabled(id, changes.enabled, changes.enabled ? null : reason);
      const ref = { id, url: changes.url ?? current.url, tenant: current.tenant };
      if (changes.enabled) this.deps.events?.endpointEnabled(ref);
      else this.deps.events?.endpointDisabled(ref, reason);
    }
    await registry.refreshOne(id);
    const runtime = registry.get(id);
    if (changes.enabled && runtime) void this.deps.dispatcher.claim(runtime);
    return { endpoint: await this.get(scope, id), signingSecret: rekeyed.signingSecret, publicKey: rekeyed.publicKey };
  }

  /** Why a scoped write changed nothing: the session went (401), or the endpoint did (404). */
  private async goneOrRemoved(scope: TenantScope, id: string): Promise<DomainError> {
    return (await this.deps.queries.sessionLive(scope)) ? scope.notFound("endpoint", id) : sessionGone();
  }

  /** Removes an API endpoint with its deliveries and their attempts; answers whose it was. */
  async remove(scope: TenantScope, id: string): Promise<{ tenant: string | null }> {
    const { queries, registry } = this.deps;
    const current = await this.get(scope, id);
    requireApiManaged(current, "remove it");
    // Its deliveries and their attempts go with it in the store; an attempt in flight now records nothing (its
    // delivery is gone: recordAttempts skips it, whichever process sent it).
    if (!(await queries.deleteEndpoint(id, scope))) throw await this.goneOrRemoved(scope, id);
    await registry.refreshOne(id);
    return { tenant: current.tenant };
  }

  /**
   * A new signing secret (generated, or `secret`); the old one keeps signing for the grace where the scheme allows two.
   * With `ed25519` the secret is a new key pair: the answer holds its public key, never the private one.
   */
  async rotateSecret(scope: TenantScope, id: string, request: { secret?: string; graceSeconds?: number }): Promise<NewSecretAnswer & { graceSeconds: number; previousUntil: number | null; note?: string; tenant: string | null }> {
    const current = await this.get(scope, id);
    requireApiManaged(current, "change its secret");
    const scheme = current.signing.scheme;
    const problem = request.secret === undefined ? null : secretProblem(scheme, request.secret);
    if (problem) throw new DomainError("invalid", "the secret cannot sign with this endpoint's scheme: nothing was changed", [{ path: "secret", message: problem }]);
    const fresh = newSigningSecret(scheme, request.secret);
    // github and hex carry one signature: the old secret cannot sign beside the new one, so there is no grace.
    const single = singleSignature(scheme);
    const graceSeconds = single ? 0 : request.graceSeconds ?? 86_400;
    const until = graceSeconds > 0 && current.secret ? Date.now() + graceSeconds * 1000 : null;
    // The old secret (still encrypted) signs beside the new one until `until`; an Ed25519 key's public half is listed too.
    const updated = await this.deps.queries.updateEndpoint(current.id, {
      secret: this.deps.registry.codec.encrypt(fresh.secret), publicKey: fresh.publicKey,
      previousSecret: until ? current.secret : null, previousSecretUntil: until, previousPublicKey: until ? current.publicKey : null,
    }, scope);
    if (!updated) throw await this.goneOrRemoved(scope, id);
    await this.deps.registry.refreshOne(current.id);
    this.deps.events?.secretRotated(current, until);
    return {
      ...newSecretAnswer(fresh), graceSeconds, previousUntil: until, tenant: current.tenant,
      ...(single && { note: `the switch is immediate: the ${scheme} scheme carries one signature, the new secret's. To rotate without failed deliveries, let the receiver accept both secrets first and send that secret here as "secret" (see docs/concepts/delivery.md, "Rotating a secret")` }),
    };
  }

  /** Stores a real event with one delivery to this endpoint only, and attempts it now. */
  async sendTest(scope: TenantScope, id: string, event: { type?: string; data?: unknown } = {}): Promise<{ attempt: AttemptRow; deliveryId: string; eventId: string }> {
    const current = await this.get(scope, id);
    const endpoint = this.deps.registry.get(current.id);
    if (!endpoint) throw new DomainError("not-found", `no endpoint "${current.id}"`);
    const now = Date.now();
    // The endpoint's tenant owns the test event and its delivery, so that tenant's session sees both.
    // No data given: the type's example from the catalog, so the test matches the type's own schema.
    const type = event.type ?? "ping";
    const data = event.data ?? catalogExample(this.deps.catalog, type) ?? { message: "a test event from hookgate" };
    const stored = { ...toEventRow(newId("evt", now), "admin", { type, data }, now), tenant: current.tenant };
    const deliveryId = newId("dlv", now);
    // Due only after the attempt below had time to finish, so the sweep does not send it a second time.
    const delivery = { id: deliveryId, endpoint_id: current.id, next_attempt_at: now + leaseMs(endpoint), tenant: current.tenant };
    if (!(await this.deps.queries.sessionLive(scope))) throw sessionGone();
    await this.deps.store.ingest([{ event: stored, deliveries: [delivery] }]);
    const attempt = await this.deps.dispatcher.attemptNow({ id: deliveryId, endpoint_id: current.id }, "manual");
    if (!attempt) throw new DomainError("not-found", `endpoint "${current.id}" was removed meanwhile`);
    return { attempt, deliveryId, eventId: stored.id };
  }

  /** Makes the endpoint's failed deliveries of events received in [since, until) due now; until defaults to now. */
  async recover(scope: TenantScope, id: string, since: number, until = Date.now() + 1): Promise<{ requeued: number; tenant: string | null }> {
    const current = await this.get(scope, id);
    if (until <= since) throw new DomainError("invalid", "the window is empty", [{ path: "until", message: "must be after since" }]);
    const requeued = await this.deps.queries.recover(current.id, since, until, scope);
    if (requeued === 0 && !(await this.deps.queries.sessionLive(scope))) throw sessionGone();
    const endpoint = this.deps.registry.get(current.id);
    if (requeued && endpoint) void this.deps.dispatcher.claim(endpoint);
    return { requeued, tenant: current.tenant };
  }

  /**
   * The `ping` sent before an endpoint is saved: the same request a delivery makes (headers, auth, signature),
   * through the same sender and address policy, but nothing is stored.
   */
  async verifyPing(endpoint: RuntimeEndpoint): Promise<{ ok: boolean; attempt: AttemptRow }> {
    const now = Date.now();
    const event = toEventRow(newId("evt", now), "admin", { type: "ping", data: { message: "hookgate is checking this endpoint before saving it" } }, now);
    // It takes one of the process's slots (and its tenant's) like any attempt: DESIGN §9 Fairness.
    const { row, result, verdict } = await this.deps.dispatcher.outside(endpoint.tenant, () => attemptOnce(this.deps.send, endpoint, { deliveryId: newId("dlv", now), attempt: 1, event, trigger: "manual" }));
    return { ok: verdict === "succeeded" && result.error === null, attempt: { ...row, delivery_id: "", request_body: sentBody(row.request_body, event) } };
  }
}

const thrown = (e: Error): never => { throw e; };
