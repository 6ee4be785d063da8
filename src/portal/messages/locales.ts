/** The languages the portal ships, one catalog each (messages/<locale>.ts); the config and the admin API check against it. */
export const LOCALES = ["en", "de"] as const;
export type Locale = (typeof LOCALES)[number];
