import { api, type Attempt, type EventType, type Page } from "./api.ts";
import type { Session } from "./session.ts";
import { Badge, Body, CopyButton, Headers, Time, useLoad } from "./ui.tsx";

export const SCHEMES: [string, string][] = [
  ["standard", "Standard Webhooks (webhook-signature: v1,…)"],
  ["stripe", "Stripe style (t=…,v1=…)"],
  ["github", "GitHub style (x-hub-signature-256)"],
  ["hex", "Hex HMAC (x-webhook-signature)"],
  ["ed25519", "Ed25519 public key (webhook-signature: v1a,…)"],
  ["none", "No signature"],
];

export function useCatalog(session: Session) {
  return useLoad(() => api<Page<EventType>>(session, "GET", "/event-types"), "catalog");
}

/** Types grouped by what comes before their first dot (`order.created` → `order`), groups and types sorted. */
export function groupByPrefix<T extends { type: string }>(types: T[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const t of types) {
    const prefix = t.type.includes(".") ? t.type.slice(0, t.type.indexOf(".")) : "other";
    groups.set(prefix, [...(groups.get(prefix) ?? []), t]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([p, ts]) => [p, ts.sort((x, y) => x.type.localeCompare(y.type))]);
}

/**
 * Event types to tick, each with its description, grouped by prefix; "*" means every type. A customer is offered
 * the types that concern them (the catalog's `forTenants`), not hookgate's operator events.
 */
export function EventPicker({ types, value, onChange, idPrefix, error, errorId }: { types: EventType[]; value: string[]; onChange(v: string[]): void; idPrefix: string; error?: string; errorId?: string }) {
  const toggle = (type: string, on: boolean) => onChange(on ? [...value.filter((t) => t !== type), type] : value.filter((t) => t !== type));
  const offered: { type: string; description: string }[] = types.filter((t) => t.type !== "*" && t.forTenants !== false);
  for (const picked of value) if (picked !== "*" && !offered.some((o) => o.type === picked)) offered.push({ type: picked, description: "" });
  const box = (t: { type: string; description: string }) => {
    const id = `${idPrefix}-${t.type.replace(/[^\w-]/g, "_")}`;
    return (
      <div class="check" key={t.type}>
        <input type="checkbox" id={id} checked={value.includes(t.type)} onChange={(e) => toggle(t.type, (e.target as HTMLInputElement).checked)} />
        <label for={id}><code>{t.type}</code>{t.description && <span class="muted"> — {t.description}</span>}</label>
      </div>
    );
  };
  return (
    <fieldset class="events" aria-invalid={error ? true : undefined} aria-describedby={error ? errorId : undefined}>
      <legend>Event types</legend>
      {box({ type: "*", description: "Every event type, including ones added later" })}
      {groupByPrefix(offered).map(([prefix, group]) => (
        <fieldset class="type-group" key={prefix}><legend>{prefix}</legend>{group.map(box)}</fieldset>
      ))}
      {error && <p id={errorId} class="field-error"><span aria-hidden="true">⚠ </span>{error}</p>}
    </fieldset>
  );
}

export function SchemeSelect({ value, onChange, id }: { value: string; onChange(v: string): void; id: string }) {
  return (
    <>
      <label for={id}>Signing scheme</label>
      <select id={id} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {SCHEMES.map(([scheme, label]) => <option key={scheme} value={scheme}>{label}</option>)}
      </select>
    </>
  );
}

/** A secret shown this once: after this page it can only be rotated, never read again. */
export function SecretOnce({ secret, onDone }: { secret: string; onDone(): void }) {
  return (
    <div class="note note-secret" role="status">
      <h3>Signing secret — shown this once</h3>
      <p>Store it in your receiver now: hookgate will not show it again.</p>
      <div class="secret-row"><code class="secret" id="signing-secret" aria-label="Signing secret">{secret}</code><CopyButton text={secret} label="Copy secret" selectId="signing-secret" /></div>
      <button type="button" onClick={onDone}>I have stored the secret</button>
    </div>
  );
}

/**
 * An Ed25519 endpoint's public key: not a secret, so it is shown at any time, with a copy button. `id` keeps two on
 * one page apart (the endpoint's facts and a rotation's answer).
 */
export function PublicKey({ publicKey, id = "public-key" }: { publicKey: string; id?: string }) {
  return (
    <div class="secret-row">
      <code class="secret" id={id} aria-label="Public key">{publicKey}</code>
      <CopyButton text={publicKey} label="Copy public key" selectId={id} />
    </div>
  );
}

/** After a create or a rotation of an Ed25519 endpoint: the key to verify with (hookgate keeps the private key). */
export function PublicKeyNote({ publicKey, onDone, done = "Done" }: { publicKey: string; onDone(): void; done?: string }) {
  return (
    <div class="note note-secret" role="status">
      <h3>Public key</h3>
      <p>Your receiver verifies each delivery's signature with this key. It is not secret, and it stays on the endpoint's page. hookgate keeps the private key and never shows it.</p>
      <PublicKey publicKey={publicKey} id="new-public-key" />
      <button type="button" onClick={onDone}>{done}</button>
    </div>
  );
}

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key)$|secret|token|password/i;
/** Credentials masked even if the API ever sent one in clear. */
const masked = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SECRET_HEADER.test(k) ? "********" : v]));

/** One attempt: what was sent and what came back. */
export function AttemptView({ attempt, title, level = 3 }: { attempt: Attempt; title?: string; level?: 2 | 3 | 4 }) {
  const label = `attempt ${attempt.number}`;
  // The heading sits one level under the section it is shown in (h2 on a page, h3 in a card's section).
  const Heading = `h${level}` as "h2";
  return (
    <article class="attempt" aria-label={title ?? label}>
      <Heading class="attempt-title">{title ?? `Attempt ${attempt.number}`} <Badge state={attempt.outcome} /></Heading>
      <dl class="facts">
        <dt>Status</dt><dd>{attempt.statusCode ?? "no answer"}</dd>
        <dt>Started</dt><dd><Time iso={attempt.startedAt} /></dd>
        <dt>Duration</dt><dd>{attempt.durationMs} ms</dd>
        <dt>Trigger</dt><dd>{attempt.trigger}</dd>
        <dt>URL</dt><dd class="url">{attempt.url}</dd>
        {attempt.error && <><dt>Error</dt><dd class="error-text">{attempt.error}</dd></>}
      </dl>
      <details><summary>Request headers and body</summary>
        <Headers headers={masked(attempt.requestHeaders)} label={`Request headers, ${label}`} />
        <Body text={attempt.requestBody} label={`Request body, ${label}`} />
      </details>
      <details open={attempt.outcome === "failed"}><summary>Response headers and body</summary>
        <Headers headers={attempt.responseHeaders} label={`Response headers, ${label}`} />
        <Body text={attempt.responseBody} label={`Response body, ${label}`} />
      </details>
    </article>
  );
}
