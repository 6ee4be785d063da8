import * as v from "valibot";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { LOCALES } from "../portal/messages/locales.ts";

/** One `frame-ancestors` source: who may show the portal in an iframe (a vendor's own app). */
const FrameAncestor = v.pipe(
  v.string(),
  v.regex(
    /^(?:'self'|'none'|https?:\/\/(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?)$/,
    `must be 'self', 'none' or an origin like "https://app.example.com" (no path, no spaces or ';')`,
  ),
);

/** The 0–255 channels of "#rrggbb" or "#rgb". */
export function rgbOf(hex: string): [number, number, number] {
  const h = hex.length === 4 ? [...hex.slice(1)].map((c) => c + c).join("") : hex.slice(1);
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

/** sRGB relative luminance of "#rrggbb" or "#rgb" (WCAG 2). */
export function luminance(hex: string): number {
  const [r, g, b] = rgbOf(hex).map((channel) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two colours, 1 to 21. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** The light theme's page grey: the brand colour is text (links) on it and white text sits on the brand colour. */
export const LIGHT_BACKGROUND = "#f5f7fa";
const AA = 4.5;

/** A hex colour that white text and links on the light page both read against at WCAG AA (4.5:1). */
const BrandColor = v.pipe(
  v.string(),
  v.regex(/^#(?:[0-9a-fA-F]{3}){1,2}$/, 'must be a hex colour like "#1d4ed8"'),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const ratio = Math.min(contrast(dataset.value, "#ffffff"), contrast(dataset.value, LIGHT_BACKGROUND));
    if (ratio < AA) addIssue({ message: `white text on it and it as link text on the page read at ${ratio.toFixed(2)}:1, WCAG AA needs ${AA}:1: pick a darker shade` });
  }),
);

/** The logo's kinds, by file extension and by data URL type. */
export const LOGO_TYPES: Record<string, string> = { ".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp" };
export const LOGO_MAX_BYTES = 100 * 1024;
const DATA_URL = /^data:(image\/(?:png|svg\+xml|jpeg|webp));base64,([A-Za-z0-9+/]+={0,2})$/;

const BrandName = v.pipe(v.string(), v.trim(), v.minLength(1, "must not be empty"), v.maxLength(80, "must be at most 80 characters"));

/** `portal`: the Webhooks settings page at /portal (DESIGN section 10). */
export const PortalSchema = v.optional(
  v.pipe(
    v.strictObject({
      brand: v.optional(
        v.strictObject({
          /** Shown in the page's title and header (default "Webhooks"). */
          name: v.optional(BrandName),
          /** Buttons (white text on it) and links (default "#1d4ed8"). */
          color: v.optional(BrandColor),
          /** A png, svg, jpeg or webp file beside the config (or a path), or a base64 data URL; at most 100 KB. Becomes a data URL once loaded. */
          logo: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty (leave logo out for none)"))),
        }),
        {},
      ),
      theme: v.optional(v.picklist(["light", "dark", "auto"], 'must be "light", "dark" or "auto" (auto follows the browser\'s prefers-color-scheme)'), "light"),
      frameAncestors: v.optional(
        v.pipe(
          v.array(FrameAncestor),
          v.minLength(1, `must list at least one source (["'none'"] forbids every frame)`),
          v.check((list) => !list.includes("'none'") || list.length === 1, `'none' must stand alone`),
        ),
        ["'none'"],
      ),
      /** The languages offered, the first the fallback: a session's `locale` or the browser's language picks one of them. */
      locales: v.optional(
        v.pipe(
          v.array(v.picklist(LOCALES, `must be ${LOCALES.map((l) => `"${l}"`).join(" or ")} (the languages the portal ships)`)),
          v.minLength(1, `must list at least one language, like ["en"]`),
          v.check((list) => new Set(list).size === list.length, "must not list a language twice"),
        ),
        [...LOCALES],
      ),
      /** The keys before `brand` (configs written for earlier versions keep working): `brand.name` and `brand.color` win. */
      title: v.optional(BrandName),
      accentColor: v.optional(BrandColor),
    }),
    v.transform(({ title, accentColor, brand, ...rest }) => ({
      ...rest,
      brand: { ...brand, name: brand.name ?? title ?? "Webhooks", color: brand.color ?? accentColor ?? "#1d4ed8" },
    })),
  ),
  {},
);
export type PortalConfig = v.InferOutput<typeof PortalSchema>;

/** The image in a logo data URL, or why it is not one. */
export function logoOf(dataUrl: string): { type: string; bytes: Uint8Array } | string {
  const match = DATA_URL.exec(dataUrl);
  if (!match) return "a data URL must read data:image/<png|svg+xml|jpeg|webp>;base64,<data>";
  const bytes = Buffer.from(match[2]!, "base64");
  if (bytes.length > LOGO_MAX_BYTES) return `is ${Math.ceil(bytes.length / 1024)} KB, at most ${LOGO_MAX_BYTES / 1024} KB: shrink it`;
  const type = match[1]!;
  if (!looksLike(type, bytes)) return `its content is not a ${type} image: export it again`;
  return { type, bytes: new Uint8Array(bytes) };
}

/** The first bytes of each kind (an svg: text with an <svg element). */
function looksLike(type: string, b: Uint8Array): boolean {
  const starts = (...sig: number[]) => sig.every((x, i) => b[i] === x);
  if (type === "image/png") return starts(0x89, 0x50, 0x4e, 0x47);
  if (type === "image/jpeg") return starts(0xff, 0xd8, 0xff);
  if (type === "image/webp") return starts(0x52, 0x49, 0x46, 0x46) && String.fromCharCode(...b.slice(8, 12)) === "WEBP";
  return /<svg[\s>]/.test(new TextDecoder().decode(b.slice(0, 4096)));
}

/**
 * `portal.brand.logo` as a data URL: a file path (relative to the config's folder) is read now, at load and at each
 * reload, so the portal never reads the disk while it serves. A problem message names the fix.
 */
export function resolveLogo(logo: string, dir: string): { ok: true; dataUrl: string } | { ok: false; message: string } {
  if (logo.startsWith("data:")) {
    const image = logoOf(logo);
    return typeof image === "string" ? { ok: false, message: image } : { ok: true, dataUrl: logo };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(logo)) return { ok: false, message: "must be a file (a path, relative to the config's folder) or a data: URL: the portal loads nothing from other hosts" };
  const file = resolve(dir, logo);
  const type = LOGO_TYPES[extname(file).toLowerCase()];
  if (!type) return { ok: false, message: `${file} must be a .png, .svg, .jpg, .jpeg or .webp file` };
  if (!existsSync(file) || !statSync(file).isFile()) return { ok: false, message: `${file} does not exist: put the logo there or fix the path (relative paths are from the config's folder)` };
  const bytes = readFileSync(file);
  const dataUrl = `data:${type};base64,${bytes.toString("base64")}`;
  const image = logoOf(dataUrl);
  return typeof image === "string" ? { ok: false, message: `${file}: ${image}` } : { ok: true, dataUrl };
}
