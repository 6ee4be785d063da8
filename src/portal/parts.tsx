import { api, type Attempt, type EventType, type Page } from "./api.ts";
import type { Session } from "./session.ts";
import { t, type Text } from "./i18n.ts";
import { Badge, Body, CopyButton, Headers, Time, useLoad } from "./ui.tsx";

export const SCHEMES: [string, Text][] = [
  ["standard", "schemeStandard"],
  ["stripe", "schemeStripe"],
  ["github", "schemeGithub"],
  ["hex", "schemeHex"],
  ["ed25519", "schemeEd25519"],
  ["none", "schemeNone"],
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
  const toggle = (type: string, on: boolean) => onChange(on ? [...value.filter((v) => v !== type), type] : value.filter((v) => v !== type));
  const offered: { type: string; description: string }[] = types.filter((e) => e.type !== "*" && e.forTenants !== false);
  for (const picked of value) if (picked !== "*" && !offered.some((o) => o.type === picked)) offered.push({ type: picked, description: "" });
  const box = (type: { type: string; description: string }) => {
    const id = `${idPrefix}-${type.type.replace(/[^\w-]/g, "_")}`;
    return (
      <div class="check" key={type.type}>
        <input type="checkbox" id={id} checked={value.includes(type.type)} onChange={(e) => toggle(type.type, (e.target as HTMLInputElement).checked)} />
        <label for={id}><code>{type.type}</code>{type.description && <span class="muted"> — {type.description}</span>}</label>
      </div>
    );
  };
  return (
    <fieldset class="events" aria-invalid={error ? true : undefined} aria-describedby={error ? errorId : undefined}>
      <legend>{t("colEventTypes")}</legend>
      {box({ type: "*", description: t("everyType") })}
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
      <label for={id}>{t("signingScheme")}</label>
      <select id={id} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {SCHEMES.map(([scheme, label]) => <option key={scheme} value={scheme}>{t(label)}</option>)}
      </select>
    </>
  );
}

/** A secret shown this once: after this page it can only be rotated, never read again. */
export function SecretOnce({ secret, onDone }: { secret: string; onDone(): void }) {
  return (
    <div class="note note-secret" role="status">
      <h3>{t("secretOnceHeading")}</h3>
      <p>{t("secretOnceText")}</p>
      <div class="secret-row"><code class="secret" id="signing-secret" aria-label={t("signingSecret")}>{secret}</code><CopyButton text={secret} label={t("copySecret")} selectId="signing-secret" /></div>
      <button type="button" onClick={onDone}>{t("storedSecret")}</button>
    </div>
  );
}

/**
 * An Ed25519 endpoint's public key: not a secret, so it is shown at any time, with a copy button. `id` keeps two on
 * one page apart (the endpoint's facts and a rotation's answer).
 */
export function PublicKey({ publicKey, id = "public-key", previous = false }: { publicKey: string; id?: string; previous?: boolean }) {
  return (
    <div class="secret-row">
      <code class="secret" id={id} aria-label={previous ? t("previousPublicKey") : t("publicKey")}>{publicKey}</code>
      <CopyButton text={publicKey} label={previous ? t("copyPreviousPublicKey") : t("copyPublicKey")} selectId={id} />
    </div>
  );
}

/** After a create or a rotation of an Ed25519 endpoint: the key to verify with (hookgate keeps the private key). */
export function PublicKeyNote({ publicKey, onDone, done = t("done") }: { publicKey: string; onDone(): void; done?: string }) {
  return (
    <div class="note note-secret" role="status">
      <h3>{t("publicKey")}</h3>
      <p>{t("publicKeyText")}</p>
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
  const label = t("attemptLabel", attempt.number);
  // The heading sits one level under the section it is shown in (h2 on a page, h3 in a card's section).
  const Heading = `h${level}` as "h2";
  return (
    <article class="attempt" aria-label={title ?? label}>
      <Heading class="attempt-title">{title ?? t("attemptN", attempt.number)} <Badge state={attempt.outcome} /></Heading>
      <dl class="facts">
        <dt>{t("colStatus")}</dt><dd>{attempt.statusCode ?? t("noAnswer")}</dd>
        <dt>{t("started")}</dt><dd><Time iso={attempt.startedAt} /></dd>
        <dt>{t("duration")}</dt><dd>{attempt.durationMs} ms</dd>
        <dt>{t("trigger")}</dt><dd>{attempt.trigger}</dd>
        <dt>{t("url")}</dt><dd class="url">{attempt.url}</dd>
        {attempt.error && <><dt>{t("error")}</dt><dd class="error-text">{attempt.error}</dd></>}
      </dl>
      <details><summary>{t("requestHeadersAndBody")}</summary>
        <Headers headers={masked(attempt.requestHeaders)} label={t("requestHeaders", label)} />
        <Body text={attempt.requestBody} label={t("requestBody", label)} />
      </details>
      <details open={attempt.outcome === "failed"}><summary>{t("responseHeadersAndBody")}</summary>
        <Headers headers={attempt.responseHeaders} label={t("responseHeaders", label)} />
        <Body text={attempt.responseBody} label={t("responseBody", label)} />
      </details>
    </article>
  );
}
