import { useState } from "preact/hooks";
import { api, type Endpoint, type PatchedEndpoint } from "../api.ts";
import { EventPicker, SchemeSelect, SecretOnce, useCatalog } from "../parts.tsx";
import { canWrite, type Session } from "../session.ts";
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
  const refresh = () => { loaded.reload(); setTick((t) => t + 1); };

  if (loaded.error) return <section class="card"><h1>Endpoint</h1><ErrorNote error={loaded.error} /><a href={href("/")}>Back to endpoints</a></section>;
  const endpoint = loaded.data;
  if (!endpoint) return <Loading what="the endpoint" />;

  const toggle = async () => {
    setBusy(true); setError(null);
    try { await api(session, "PATCH", path, { enabled: !endpoint.enabled }); refresh(); } catch (e) { setError(e); } finally { setBusy(false); }
  };

  return (
    <>
      <section class="card">
        <p><a href={href("/")}>← Endpoints</a></p>
        <h1 class="url">{endpoint.url}</h1>
        {endpoint.description && <p>{endpoint.description}</p>}
        <dl class="facts">
          <dt>Status</dt><dd><EndpointState endpoint={endpoint} /></dd>
          <dt>Last attempt</dt><dd><LastAttempt stats={stats} /></dd>
          <dt>Success, last 24 h</dt><dd><SuccessShare stats={stats} /></dd>
          <dt>Event types</dt><dd>{endpoint.events.map((e) => <code key={e} class="tag">{e}</code>)}</dd>
          <dt>Signing</dt><dd>{endpoint.signing.scheme}</dd>
          <dt>Id</dt><dd><code>{endpoint.id}</code></dd>
          <dt>Created</dt><dd><Time iso={endpoint.createdAt} /></dd>
        </dl>
        <div class="actions">
          {canWrite(session) && <button type="button" onClick={toggle} disabled={busy}>{endpoint.enabled ? "Disable endpoint" : "Enable endpoint"}</button>}
          <a class="button secondary" href={href(`/deliveries?endpoint=${encodeURIComponent(endpoint.id)}`)}>Deliveries of this endpoint</a>
        </div>
        <ErrorNote error={error} />
      </section>
      {canWrite(session) ? (
        <>
          {endpoint.managedBy === "config"
            ? <Section title="Edit"><p>This endpoint is set in hookgate's config file: only enabling and disabling it is possible here.</p></Section>
            : <Edit session={session} endpoint={endpoint} onSaved={refresh} />}
          <SendTest session={session} endpoint={endpoint} onSent={refresh} />
          <Rotate session={session} endpoint={endpoint} />
          <Recover session={session} endpoint={endpoint} />
          {endpoint.managedBy === "api" && <DeleteEndpoint session={session} endpoint={endpoint} />}
        </>
      ) : <Section title="Changes"><p>Your access is read-only: to edit, test, rotate or delete this endpoint, ask for a link with write access.</p></Section>}
    </>
  );
}

function Edit({ session, endpoint, onSaved }: { session: Session; endpoint: Endpoint; onSaved(): void }) {
  const catalog = useCatalog(session);
  const [url, setUrl] = useState(endpoint.url);
  const [description, setDescription] = useState(endpoint.description);
  const [events, setEvents] = useState(endpoint.events);
  const [scheme, setScheme] = useState<string>(endpoint.signing.scheme);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null); setSaved(false);
    try {
      const answer = await api<PatchedEndpoint>(session, "PATCH", `/endpoints/${encodeURIComponent(endpoint.id)}`, { url, description, events, signing: { scheme } });
      setSaved(true);
      if (answer.signingSecret) setSecret(answer.signingSecret);
      onSaved();
    } catch (err) { setError(err); }
  };
  return (
    <Section title="Edit">
      <form onSubmit={submit} class="form">
        <label for="edit-url">URL</label>
        <input id="edit-url" type="url" required value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
        <label for="edit-description">Description</label>
        <input id="edit-description" type="text" maxLength={1000} value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
        {catalog.data && <EventPicker types={catalog.data.data} value={events} onChange={setEvents} idPrefix="edit-type" />}
        <SchemeSelect id="edit-scheme" value={scheme} onChange={setScheme} />
        <button type="submit">Save changes</button>
      </form>
      {saved && <p role="status">✓ Saved.</p>}
      {secret && <SecretOnce secret={secret} onDone={() => setSecret(null)} />}
      <ErrorNote error={error} />
    </Section>
  );
}
