import { useState } from "preact/hooks";
import { api, ApiError, type Attempt, type Endpoint, type EndpointWithSecret } from "../api.ts";
import { AttemptView, EventPicker, SchemeSelect, SecretOnce, useCatalog } from "../parts.tsx";
import type { Session } from "../session.ts";
import { ErrorNote, navigate } from "../ui.tsx";

/** Add an endpoint: hookgate pings it first and saves it only when it answers 2xx. */
export function NewEndpoint({ session }: { session: Session }) {
  const catalog = useCatalog(session);
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<string[]>([]);
  const [scheme, setScheme] = useState("standard");
  const [verify, setVerify] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [ping, setPing] = useState<Attempt | null>(null);
  const [created, setCreated] = useState<{ endpoint: Endpoint; secret: string; verified: boolean } | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!events.length) { setError(new Error("Pick at least one event type.")); return; }
    setBusy(true); setError(null); setPing(null);
    try {
      const body = { url, description, events, signing: { scheme }, verify, ...(session.kind === "admin" && session.tenant && { tenant: session.tenant }) };
      const answer = await api<EndpointWithSecret>(session, "POST", "/endpoints", body);
      const { signingSecret, ...endpoint } = answer;
      setCreated({ endpoint, secret: signingSecret, verified: verify });
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.problem.attempt) setPing(err.problem.attempt);
    } finally { setBusy(false); }
  };

  if (created) {
    return (
      <section class="card">
        <h1>Endpoint added</h1>
        <p>{created.verified ? "✓ The receiver answered the verification ping with a 2xx." : "Saved without a verification ping."} <span class="url">{created.endpoint.url}</span></p>
        <SecretOnce secret={created.secret} onDone={() => navigate(`/endpoints/${encodeURIComponent(created.endpoint.id)}`)} />
      </section>
    );
  }
  return (
    <section class="card">
      <h1>Add endpoint</h1>
      <form onSubmit={submit} class="form">
        <label for="ep-url">URL</label>
        <input id="ep-url" type="url" required placeholder="https://example.com/webhooks" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
        <label for="ep-description">Description</label>
        <input id="ep-description" type="text" maxLength={1000} value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
        {catalog.data && <EventPicker types={catalog.data.data} value={events} onChange={setEvents} idPrefix="ep-type" />}
        <ErrorNote error={catalog.error} />
        <SchemeSelect id="ep-scheme" value={scheme} onChange={setScheme} />
        <div class="check">
          <input id="ep-verify" type="checkbox" checked={verify} onChange={(e) => setVerify((e.target as HTMLInputElement).checked)} />
          <label for="ep-verify">Send a <code>ping</code> first and save only if the receiver answers 2xx</label>
        </div>
        <button type="submit" disabled={busy}>{busy ? "Pinging and saving…" : "Add endpoint"}</button>
      </form>
      <ErrorNote error={error} />
      {ping && <AttemptView attempt={ping} title="The verification ping" />}
    </section>
  );
}
