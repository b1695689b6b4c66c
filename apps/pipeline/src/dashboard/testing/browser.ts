/**
 * Test helpers for the browser specs: Debian's chromium driven by puppeteer-core (which downloads
 * no browser). Without chromium the specs are skipped with one loud line, except on CI
 * (`CI` set), where they fail: CI must test the page.
 */
import { existsSync } from 'node:fs';
import { onCi } from '@digitfuse/core/testing';
import puppeteer, { type Browser, type Page, type Viewport } from 'puppeteer-core';

/** Where the browser is: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `describe` that needs chromium: skipped (loudly) without it, failing on CI without it. */
export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, body);
    return;
  }
  const why = `no chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  if (onCi()) {
    describe(name, () => {
      it('has a browser to run in (CI)', () => {
        throw new Error(`CI is set but there is ${why}: the browser specs cannot run`);
      });
    });
    return;
  }
  process.stderr.write(`\n########## SKIPPED "${name}": ${why} ##########\n\n`);
  describe.skip(name, body);
}

export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container has no user namespaces for chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
  });
}

/** A page that records every console error, uncaught exception and failed request. */
export async function openPage(browser: Browser, url: string, viewport: Viewport = { width: 1400, height: 1000 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} ${m.location()?.url ?? ''}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${(e as Error).message}`));
  page.on('requestfailed', (r) => {
    // The event stream is cut when the page closes; that is not an error of the page.
    if (!r.url().endsWith('/api/events')) errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  await page.setViewport(viewport);
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors };
}
