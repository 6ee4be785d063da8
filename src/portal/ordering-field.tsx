import { FieldError } from "./endpoint-form.tsx";

/** "Deliver in order" and, when checked, how long one event may hold up the ones after it. */
export function OrderingField({ id, ordered, maxBlock, onChange, error }: {
  id: string; ordered: boolean; maxBlock: string; onChange(change: { ordered?: boolean; maxBlock?: string }): void; error?: string;
}) {
  return (
    <>
      <div class="check">
        <input id={id} type="checkbox" checked={ordered} aria-describedby={`${id}-hint`} onChange={(e) => onChange({ ordered: (e.target as HTMLInputElement).checked })} />
        <label for={id}>Deliver in order</label>
      </div>
      <p id={`${id}-hint`} class="muted small">Events with the same ordering key arrive one at a time, in the order they happened: the next is sent only once the one before it was delivered or failed for good. Events without a key keep their order among themselves.</p>
      {ordered && <>
        <label for={`${id}-max-block`}>Longest hold-up by one event</label>
        <input id={`${id}-max-block`} type="text" inputMode="text" autocomplete="off" value={maxBlock} onInput={(e) => onChange({ maxBlock: (e.target as HTMLInputElement).value })}
          aria-describedby={`${id}-max-block-hint${error ? ` ${id}-max-block-error` : ""}`} aria-invalid={error ? true : undefined} />
        <p id={`${id}-max-block-hint`} class="muted small">Like 30m, 1h or 2d. An event still not delivered after this long counts as failed, and the next one with its key is sent.</p>
        <FieldError id={`${id}-max-block-error`} message={error} />
      </>}
    </>
  );
}
