import { useRef, useState } from "preact/hooks";
import { api, type Endpoint, type ManualAttempt, type Recovered, type Rotated } from "../api.ts";
import { FieldError } from "../endpoint-form.tsx";
import { AttemptView, groupByPrefix, PublicKeyNote, SecretOnce, useCatalog } from "../parts.tsx";
import type { Session } from "../session.ts";
import { flash } from "../flash.tsx";
import { formatNumber, t, type Text } from "../i18n.ts";
import { ErrorNote, href, navigate, Section, Time } from "../ui.tsx";

type Props = { session: Session; endpoint: Endpoint };
const pathOf = (endpoint: Endpoint) => `/endpoints/${encodeURIComponent(endpoint.id)}`;

/** Runs one API call for a form, keeping its error and busy state. */
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (work: () => Promise<void>) => {
    setBusy(true); setError(null);
    try { await work(); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return { busy, error, run };
}

const pretty = (value: unknown) => JSON.stringify(value ?? {}, null, 2);

/** A test event: the type's example payload, shown first and editable, then the receiver's answer. */
export function SendTest({ session, endpoint, onSent }: Props & { onSent(): void }) {
  const catalog = useCatalog(session);
  const [type, setType] = useState("ping");
  const [data, setData] = useState<string | null>(null);
  const [invalid, setInvalid] = useState("");
  const [answer, setAnswer] = useState<ManualAttempt | null>(null);
  const action = useAction();
  const types = (catalog.data?.data ?? []).filter((e) => e.forTenants && !e.type.includes("*"));
  const exampleOf = (name: string) => (name === "ping" ? { message: "a test event from hookgate" } : types.find((e) => e.type === name)?.example ?? {});
  const shown = data ?? pretty(exampleOf(type));
  const submit = (e: Event) => {
    e.preventDefault();
    let parsed: unknown;
    try { parsed = JSON.parse(shown); } catch (err) { setInvalid(t("notJson", (err as Error).message)); return; }
    setInvalid("");
    void action.run(async () => { setAnswer(await api<ManualAttempt>(session, "POST", `${pathOf(endpoint)}/test`, { type, data: parsed })); onSent(); });
  };
  return (
    <Section title={t("sendTestHeading")}>
      <form onSubmit={submit} class="form">
        <label for="test-type">{t("eventType")}</label>
        <select id="test-type" value={type} onChange={(e) => { setType((e.target as HTMLSelectElement).value); setData(null); setInvalid(""); }}>
          <option value="ping">ping</option>
          {groupByPrefix(types.filter((e) => e.type !== "ping")).map(([prefix, group]) => (
            <optgroup key={prefix} label={prefix}>{group.map((e) => <option key={e.type} value={e.type}>{e.type}</option>)}</optgroup>
          ))}
        </select>
        <label for="test-data">{t("payloadField")}</label>
        <textarea id="test-data" class="code" rows={Math.min(14, shown.split("\n").length + 1)} spellcheck={false} value={shown}
          onInput={(e) => setData((e.target as HTMLTextAreaElement).value)} aria-invalid={invalid ? true : undefined} aria-describedby={invalid ? "test-data-error" : undefined} />
        <FieldError id="test-data-error" message={invalid} />
        <button type="submit" disabled={action.busy}>{action.busy ? t("sending") : t("sendTest")}</button>
      </form>
      <ErrorNote error={action.error} what={t("testNotSent")} />
      {answer && (
        <>
          <AttemptView attempt={answer} title={t("receiverAnswer")} />
          <p><a href={href(`/deliveries?endpoint=${encodeURIComponent(endpoint.id)}`)}>{t("openInLog")}</a></p>
        </>
      )}
    </Section>
  );
}

const GRACES: [number, Text][] = [[86_400, "grace24h"], [3_600, "grace1h"], [604_800, "grace7d"], [0, "graceNone"]];

export function Rotate({ session, endpoint, onRotated }: Props & { onRotated(): void }) {
  const keyPair = endpoint.signing.scheme === "ed25519";
  const [grace, setGrace] = useState(86_400);
  const [rotated, setRotated] = useState<Rotated | null>(null);
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      setRotated(await api<Rotated>(session, "POST", `${pathOf(endpoint)}/rotate-secret`, { graceSeconds: grace }));
      onRotated(); // the endpoint's page shows the new public key at once
    });
  };
  return (
    <Section title={keyPair ? t("rotateKeyHeading") : t("rotateSecretHeading")}>
      <p>{keyPair ? t("rotateKeyText") : t("rotateSecretText")}</p>
      <form onSubmit={submit} class="inline-form">
        <label for="rotate-grace">{keyPair ? t("graceKey") : t("graceSecret")}</label>
        <select id="rotate-grace" value={grace} onChange={(e) => setGrace(Number((e.target as HTMLSelectElement).value))}>
          {GRACES.map(([seconds, label]) => <option key={seconds} value={seconds}>{t(label)}</option>)}
        </select>
        <button type="submit" disabled={action.busy}>{keyPair ? t("rotateKey") : t("rotateSecret")}</button>
      </form>
      <ErrorNote error={action.error} />
      {rotated && (
        <>
          {rotated.previousSecretExpiresAt && <p>{keyPair ? t("oldKeyUntil") : t("oldSecretUntil")} <Time iso={rotated.previousSecretExpiresAt} />.</p>}
          {rotated.note && <p>{rotated.note}</p>}
          {rotated.signingSecret !== undefined && <SecretOnce secret={rotated.signingSecret} onDone={() => setRotated(null)} />}
          {rotated.publicKey !== undefined && <PublicKeyNote publicKey={rotated.publicKey} onDone={() => setRotated(null)} />}
        </>
      )}
    </Section>
  );
}

/** A datetime-local value (browser zone) for a time. */
const localInput = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};

export function Recover({ session, endpoint }: Props) {
  const [since, setSince] = useState(() => localInput(Date.now() - 86_400_000));
  const [requeued, setRequeued] = useState<number | null>(null);
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const answer = await api<Recovered>(session, "POST", `${pathOf(endpoint)}/recover`, { since: new Date(since).toISOString() });
      setRequeued(answer.requeued);
    });
  };
  return (
    <Section title={t("recoverHeading")}>
      <p>{t("recoverText")}</p>
      <form onSubmit={submit} class="inline-form">
        <label for="recover-since">{t("recoverSince")}</label>
        <input id="recover-since" type="datetime-local" required value={since} onInput={(e) => setSince((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={action.busy}>{t("recover")}</button>
      </form>
      <ErrorNote error={action.error} />
      {requeued !== null && <p role="status">{t("requeued", requeued, formatNumber(requeued))}</p>}
    </Section>
  );
}

export function DeleteEndpoint({ session, endpoint }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const action = useAction();
  const confirm = () => void action.run(async () => {
    await api(session, "DELETE", pathOf(endpoint));
    dialog.current?.close();
    flash(t("endpointDeleted", endpoint.description || endpoint.url), "/");
    navigate("/");
  });
  return (
    <Section title={t("deleteHeading")}>
      <p>{t("deleteText")}</p>
      <button type="button" class="danger" onClick={() => dialog.current?.showModal()}>{t("deleteEndpoint")}</button>
      <dialog ref={dialog} aria-labelledby="delete-title" aria-describedby="delete-text">
        <h2 id="delete-title">{t("deleteConfirmHeading")}</h2>
        <p id="delete-text"><span class="url">{endpoint.url}</span> {t("deleteConfirmText")}</p>
        <ErrorNote error={action.error} />
        <div class="actions">
          <button type="button" class="secondary" onClick={() => dialog.current?.close()} autoFocus>{t("cancel")}</button>
          <button type="button" class="danger" onClick={confirm} disabled={action.busy}>{t("deleteForGood")}</button>
        </div>
      </dialog>
    </Section>
  );
}
