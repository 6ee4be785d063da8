/** `?a=1&b=2` from the values that are set. */
export function query(params: Record<string, string | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : "";
}

export const href = (path: string) => `#${path}`;
export function navigate(path: string) { location.hash = path; }
