import * as v from "valibot";

/** One `frame-ancestors` source: who may show the portal in an iframe (a vendor's own app). */
const FrameAncestor = v.pipe(
  v.string(),
  v.regex(
    /^(?:'self'|'none'|https?:\/\/(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?)$/,
    `must be 'self', 'none' or an origin like "https://app.example.com" (no path, no spaces or ';')`,
  ),
);

/** `portal`: the Webhooks settings page at /portal (DESIGN section 10). */
export const PortalSchema = v.optional(
  v.strictObject({
    /** Shown in the page's title and header. */
    title: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1, "must not be empty"), v.maxLength(80, "must be at most 80 characters")), "Webhooks"),
    /** Buttons and links; white text sits on it, so pick a dark enough colour. */
    accentColor: v.optional(v.pipe(v.string(), v.regex(/^#(?:[0-9a-fA-F]{3}){1,2}$/, 'must be a hex colour like "#1d4ed8"')), "#1d4ed8"),
    frameAncestors: v.optional(
      v.pipe(
        v.array(FrameAncestor),
        v.minLength(1, `must list at least one source (["'none'"] forbids every frame)`),
        v.check((list) => !list.includes("'none'") || list.length === 1, `'none' must stand alone`),
      ),
      ["'none'"],
    ),
  }),
  {},
);
export type PortalConfig = v.InferOutput<typeof PortalSchema>;
