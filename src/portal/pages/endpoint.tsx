import { useState } from "preact/hooks";
import { api, type Endpoint, type PatchedEndpoint } from "../api.ts";
import { bodyOf, checkDraft, draftOf, EndpointFields, type Draft } from "../endpoint-form.tsx";
import { orderingSummary } from "../ordering.ts";
import { PublicKey, SecretOnce, useCatalog } from "../parts.tsx";
import { fieldErrors } from "../words.ts";
import { focusFirstInvalid } from "./new-endpoint.tsx";
import { canWrite, type Session } from "../session.ts";
import { t } from "../i18n.ts";
import { ErrorNote, href, Loading, Section, Time, useLoad } from "../ui.tsx";
import { DeleteEndpoint, Recover, Rotate, SendTest } from "./endpoint-actions.tsx";
import { EndpointState, LastAttempt, SuccessShare, useStats } from "./endpoints.tsx";

/** One endpoint: its state, edit, enable/disable, test, rotate, recover, delete. */
export function EndpointPage({ session, id }: { session: Session; id: string }) {
  const path = `/endpoints/${encodeURIComponent(id)}`;
  const loaded = useLoad(() => api<Endpoint>(session, "GET", path), id);
  const [tick, setTick] = useState(0);
  const stats = useStats(session, id, tick);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");
  const refresh = () => { loaded.reload(); setTick((n) => n + 1); };

  if (loaded.error) return <section class="card"><h1>{t("endpoint")}</h1><ErrorNote error={loaded.error} what={t("endpointNotOpened")} /><a href={href("/")}>{t("backToEndpoints")}</a></section>;
  const endpoint = loaded.data;
  if (!endpoint) return <Loading what={t("endpointLoading")} />;

  const toggle = async () => {
    setBusy(true); setError(null); setMessage("");
    try {
      await api(session, "PATCH", path, { enabled: !endpoint.enabled });
      setMessage(endpoint.enabled
        ? t("endpointDisabledNote")
        : t("endpointEnabledNote"));
      refresh();
    } catch (e) { setError(e); } finally { setBusy(false); }
  };

  return (
    <>
      <section class="card">
        <p><a href={href("/")}>{t("backEndpoints")}</a></p>
        <h1 class="url">{endpoint.description || endpoint.url}</h1>
        {endpoint.description && <p class="url">{endpoint.url}</p>}
        <dl class="facts">
          <dt>{t("colStatus")}</dt><dd><EndpointState endpoint={endpoint} /></dd>
          <dt>{t("colLastAttempt")}</dt><dd><LastAttempt stats={stats} /></dd>
          <dt>{t("colSuccess")}</dt><dd><SuccessShare stats={stats} /></dd>
          <dt>{t("colEventTypes")}</dt><dd>{endpoint.events.map((e) => <code key={e} class="tag">{e}</code>)}</dd>
          <dt>{t("signing")}</dt><dd>{endpoint.signing.scheme}</dd>
          {endpoint.signing.publicKey && <><dt>{t("publicKey")}</dt><dd><PublicKey publicKey={endpoint.signing.publicKey} /></dd></>}
          {endpoint.signing.publicKey && <PreviousPublicKey session={session} id={id} current={endpoint.signing.publicKey} />}
          <dt>{t("deliveryOrder")}</dt><dd>{orderingSummary(endpoint)}</dd>
          <dt>{t("id")}</dt><dd><code>{endpoint.id}</code></dd>
          <dt>{t("created")}</dt><dd><Time iso={endpoint.createdAt} /></dd>
        </dl>
        <div class="actions">
          {canWrite(session) && <button type="button" onClick={toggle} disabled={busy}>{endpoint.enabled ? t("disableEndpoint") : t("enableEndpoint")}</button>}
          <a class="button secondary" href={href(`/deliveries?endpoint=${encodeURIComponent(endpoint.id)}`)}>{t("deliveriesOfEndpoint")}</a>
        </div>
        <p role="status" class={message ? "note note-ok" : "visually-hidden"}>{message}</p>
        <ErrorNote error={error} what={endpoint.enabled ? t("notDisabled") : t("notEnabled")} />
      </section>
      {canWrite(session) ? (
        <>
          {endpoint.managedBy === "config"
            ? <Section title={t("edit")}><p>{t("managedByConfig")}</p></Section>
            : <Edit session={session} endpoint={endpoint} onSaved={refresh} />}
          <SendTest session={session} endpoint={endpoint} onSent={refresh} />
          <Rotate session={session} endpoint={endpoint} onRotated={refresh} />
          <Recover session={session} endpoint={endpoint} />
          {endpoint.managedBy === "api" && <DeleteEndpoint session={session} endpoint={endpoint} />}
        </>
      ) : <Section title={t("changes")}><p>{t("readOnlyChanges")}</p></Section>}
    </>
  );
}

const EDIT_FIELDS = ["url", "description", "events", "filter", "auth", "headers", "rateLimit", "ordering"];

/** The edit form, folded behind a button: keyboard users reach the actions below it without passing every field. */
function Edit({ session, endpoint, onSaved }: { session: Session; endpoint: Endpoint; onSaved(): void }) {
  const catalog = useCatalog(session);
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<Draft>(() => draftOf(endpoint));
  const [error, setError] = useState<unknown>(null);
  const [checked, setChecked] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const errors = { ...fieldErrors(error), ...checked };
  const submit = async (e: Event) => {
    e.preventDefault();
    const problems = checkDraft(draft);
    setChecked(problems); setError(null); setSaved(false);
    if (Object.keys(problems).length) { focusFirstInvalid(); return; }
    try {
      const answer = await api<PatchedEndpoint>(session, "PATCH", `/endpoints/${encodeURIComponent(endpoint.id)}`, bodyOf(draft, true));
      setSaved(true); setOpen(false);
      if (answer.signingSecret) setSecret(answer.signingSecret);
      onSaved();
    } catch (err) { setError(err); focusFirstInvalid(); }
  };
  return (
    <Section title={t("edit")}>
      {!open && <button type="button" class="secondary" aria-expanded="false" aria-controls="edit-form" onClick={() => { setDraft(draftOf(endpoint)); setOpen(true); setSaved(false); }}>{t("editEndpoint")}</button>}
      {open && (
        <form id="edit-form" onSubmit={submit} class="form" noValidate>
          <EndpointFields prefix="edit" draft={draft} set={(d) => setDraft({ ...draft, ...d })} errors={errors} types={catalog.data?.data} tenant={endpoint.tenant} />
          <div class="actions">
            <button type="submit">{t("saveChanges")}</button>
            <button type="button" class="secondary" onClick={() => { setOpen(false); setError(null); setChecked({}); }}>{t("cancel")}</button>
          </div>
        </form>
      )}
      {saved && <p role="status" class="note note-ok">{t("changesSaved")}</p>}
      {secret && <SecretOnce secret={secret} onDone={() => setSecret(null)} />}
      <ErrorNote error={error ?? (Object.keys(checked).length ? checked : null)} what={t("changesNotSaved")} atFields={EDIT_FIELDS} />
    </Section>
  );
}

/**
 * During a rotation's grace the old Ed25519 key signs too (`v1a,new v1a,old`): its public key, and until when, so a
 * receiver can keep verifying with it while it changes over. Nothing once the grace has run out.
 */
function PreviousPublicKey({ session, id, current }: { session: Session; id: string; current: string }) {
  const keys = useLoad(() => api<{ data: { publicKey: string; status: string; expiresAt: string | null }[] }>(session, "GET", `/endpoints/${encodeURIComponent(id)}/public-keys`), `${id}/${current}`);
  const previous = keys.data?.data.find((k) => k.status === "previous");
  if (!previous?.expiresAt) return null;
  return (
    <>
      <dt>{t("previousPublicKey")}</dt>
      <dd><PublicKey publicKey={previous.publicKey} id="previous-public-key" previous /><p class="muted small">{t("oldKeyUntil")} <Time iso={previous.expiresAt} /></p></dd>
    </>
  );
}
