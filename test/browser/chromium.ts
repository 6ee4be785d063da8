import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Debian's chromium (apt-get install -y chromium), driven by playwright-core: no browser download. */
const CHROMIUM = process.env.HOOKGATE_CHROMIUM ?? "/usr/bin/chromium";
const haveBrowser = existsSync(CHROMIUM);
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Without chromium a browser test skips, unless CI is set: then it fails, saying what to install. */
export const skipBrowser = (what: string): boolean => {
  const skip = !haveBrowser && !process.env.CI;
  if (skip) console.log(`${what} skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium; set CI=1 to make it fail instead)`);
  return skip;
};

/** A running chromium: `close` ends it and removes its profile folder. */
export interface Chromium { context: BrowserContext; close(): Promise<void> }

/** Headless chromium on a profile folder of its own; `locale` sets the browser's language (navigator.languages). */
export async function launchChromium(options: { locale?: string } = {}): Promise<Chromium> {
  if (!haveBrowser) throw new Error(`CI is set but there is no chromium at ${CHROMIUM}: install it (apt-get install -y chromium)`);
  const profile = mkdtempSync(join(tmpdir(), "hookgate-chromium-"));
  const remove = () => rmSync(profile, { recursive: true, force: true });
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, ...options });
    return { context, close: async () => { await context.close(); remove(); } };
  } catch (e) {
    remove();
    throw e;
  }
}
