import { useState } from "preact/hooks";
import { api, ApiError, type Attempt, type Endpoint, type EndpointWithSecret } from "../api.ts";
import { bodyOf, checkDraft, draftOf, EndpointFields, type Draft } from "../endpoint-form.tsx";
import { AttemptView, PublicKeyNote, SecretOnce, useCatalog } from "../parts.tsx";
import type { Session } from "../session.ts";
import { ErrorNote, navigate } from "../ui.tsx";
import { fieldErrors } from "../words.ts";
import { t } from "../i18n.ts";

const FIELDS = ["url", "description", "events", "filter", "auth", "headers", "rateLimit", "ordering"];

/** Add an endpoint: hookgate pings it first and saves it only when it answers 2xx. */
export function NewEndpoint({ session }: { session: Session }) {
  const catalog = useCatalog(session);
  const [draft, setDraft] = useState<Draft>(() => draftOf());
  const [verify, setVerify] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [checked, setChecked] = useState<Record<string, string>>({});
  const [ping, setPing] = useState<Attempt | null>(null);
  const [created, setCreated] = useState<{ endpoint: Endpoint; secret?: string; verified: boolean } | null>(null);
  const errors = { ...fieldErrors(error), ...checked };

  const submit = async (e: Event) => {
    e.preventDefault();
    const problems = checkDraft(draft);
    setChecked(problems); setError(null); setPing(null);
    if (Object.keys(problems).length) { focusFirstInvalid(); return; }
    setBusy(true);
    try {
      const body = { ...bodyOf(draft, false), verify, ...(session.kind === "admin" && session.tenant && { tenant: session.tenant }) };
      const { signingSecret, ...endpoint } = await api<EndpointWithSecret>(session, "POST", "/endpoints", body);
      setCreated({ endpoint, secret: signingSecret, verified: verify });
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.problem.attempt) setPing(err.problem.attempt);
      focusFirstInvalid();
    } finally { setBusy(false); }
  };

  if (created) {
    return (
      <section class="card">
        <h1>{t("endpointAdded")}</h1>
        <p role="status">{created.verified ? t("pingAnswered") : t("savedWithoutPing")} <span class="url">{created.endpoint.url}</span></p>
        {created.secret !== undefined
          ? <SecretOnce secret={created.secret} onDone={() => navigate(`/endpoints/${encodeURIComponent(created.endpoint.id)}`)} />
          : created.endpoint.signing.publicKey && <PublicKeyNote publicKey={created.endpoint.signing.publicKey} done={t("openEndpoint")} onDone={() => navigate(`/endpoints/${encodeURIComponent(created.endpoint.id)}`)} />}
      </section>
    );
  }
  return (
    <section class="card">
      <h1>{t("addEndpoint")}</h1>
      <form onSubmit={submit} class="form" noValidate>
        <EndpointFields prefix="ep" draft={draft} set={(d) => setDraft({ ...draft, ...d })} errors={errors} types={catalog.data?.data} tenant={session.tenant || null} />
        <ErrorNote error={catalog.error} what={t("eventTypesNotLoaded")} />
        <div class="check">
          <input id="ep-verify" type="checkbox" checked={verify} onChange={(e) => setVerify((e.target as HTMLInputElement).checked)} />
          <label for="ep-verify">{t("checkFirstBefore")} <code>ping</code> {t("checkFirstAfter")}</label>
        </div>
        <button type="submit" disabled={busy}>{busy ? t("pingingAndSaving") : t("addEndpoint")}</button>
      </form>
      <ErrorNote error={error ?? (Object.keys(checked).length ? checked : null)} what={t("notAdded")} atFields={FIELDS} />
      {ping && <AttemptView attempt={ping} title={t("verificationPing")} level={2} />}
    </section>
  );
}

/** After a refused save, focus goes to the first field marked invalid, so its message is read out. */
export function focusFirstInvalid(): void {
  setTimeout(() => document.querySelector<HTMLElement>("main [aria-invalid='true']")?.focus(), 0);
}
