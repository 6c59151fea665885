import { expect, test as base, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { OFFICE_URL } from '../playwright.config';

/** The server of the office of three services (`office.toml`): `courrier` (A, with
 * priority), `colis` (B), `banque` (C); the class `prioritaire`; desks 1 to 4. Use it with
 * `test.use({ baseURL: OFFICE_URL })`, or `newContext({ baseURL: OFFICE_URL })`; keep its
 * contexts apart from the other server's (cookies do not tell ports apart). */
export { OFFICE_URL };

export const STAFF_PASSWORD = 'e2e-password';

export const SIZES = {
  kiosk: { width: 1080, height: 1920 },
  desktop: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
} as const;
export type SizeName = keyof typeof SIZES;
export type LangCode = 'fr' | 'en';

/** Context options of a phone (390×844, touch). */
export const PHONE: BrowserContextOptions = {
  viewport: SIZES.phone,
  hasTouch: true,
  isMobile: true,
  deviceScaleFactor: 1,
};

/** A ticket page path: `/api/tickets/follow/<day>/<n>`. */
export const FOLLOW_RE = /\/api\/tickets\/follow\/(\d{4}-\d{2}-\d{2})\/(\d+)/;

export function parseFollowUrl(url: string): { day: string; n: number } {
  const m = FOLLOW_RE.exec(url);
  if (!m) throw new Error(`not a ticket page: ${url}`);
  return { day: m[1], n: Number(m[2]) };
}

/** Signs `context` in as staff (the session cookie lands in the context's cookie jar). */
export async function signIn(context: BrowserContext): Promise<void> {
  const res = await context.request.post('/api/login', {
    form: { password: STAFF_PASSWORD },
    maxRedirects: 0,
  });
  expect(res.status(), 'staff sign-in').toBe(303);
}

/** Runs one console action by its form post; answers the `done=` outcome. */
export async function staffAction(
  context: BrowserContext,
  action: string,
  desk = '1',
  extra: Record<string, string> = {},
): Promise<string> {
  const res = await context.request.post('/api/tickets/staff', {
    form: { action, desk, ...extra },
    maxRedirects: 0,
  });
  expect(res.status(), `staff action ${action}`).toBe(303);
  const location = res.headers()['location'] ?? '';
  return new URL(location, 'http://x').searchParams.get('done') ?? location;
}

/** Makes sure the day is open (for tests that take tickets). */
export async function ensureOpen(context: BrowserContext): Promise<void> {
  const done = await staffAction(context, 'open_day');
  expect(['opened', 'already_open']).toContain(done);
}

/** Calls every waiting ticket away at a scratch desk (setup only, so that a test's own
 * ticket is not behind a long queue left by other tests). */
export async function drainQueue(context: BrowserContext): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if ((await staffAction(context, 'call_next', 'drain')) === 'none_waiting') break;
  }
  await staffAction(context, 'finish', 'drain');
}

/** Takes a ticket by the kiosk's form post; answers its day and number. */
export async function takeTicket(context: BrowserContext): Promise<{ day: string; n: number }> {
  const key = `kiosk-e2e-${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const res = await context.request.post('/api/tickets/public', {
    form: { idempotency_key: key },
    maxRedirects: 0,
  });
  expect(res.status(), 'take a ticket').toBe(303);
  return parseFollowUrl(res.headers()['location'] ?? '');
}

/** A ticket of the office server. */
export type Taken = { day: string; n: number; label: string };

/** Takes a ticket for `service` (with `priority`) by the kiosk's form post; answers its
 * day, number and label. */
export async function takeFor(context: BrowserContext, service: string, priority?: string): Promise<Taken> {
  const key = `kiosk-e2e-${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const form: Record<string, string> = { idempotency_key: key, service_type: service };
  if (priority) form.priority = priority;
  const res = await context.request.post('/api/tickets/public', { form, maxRedirects: 0 });
  expect(res.status(), `take a ticket for ${service}`).toBe(303);
  const location = res.headers()['location'] ?? '';
  const { day, n } = parseFollowUrl(location);
  const info = await (await context.request.get(`/api/tickets/ticket/${n}`)).json();
  return { day, n, label: info.ticket.label };
}

/** Starts the day again (reset, then open): numbers and labels start from 1. */
export async function freshDay(context: BrowserContext): Promise<void> {
  expect(await staffAction(context, 'reset_day', '1', { confirm: 'yes' })).toBe('reset');
  expect(await staffAction(context, 'open_day')).toBe('opened');
}

/** Calls next at `desk` until ticket `n` is called (other tests may have left tickets
 * ahead of it). */
export async function callUntil(context: BrowserContext, n: number, desk: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await context.request.post('/api/tickets/staff', {
      form: { action: 'call_next', desk },
      maxRedirects: 0,
    });
    const q = new URL(res.headers()['location'] ?? '', 'http://x').searchParams;
    if (q.get('done') !== 'called') throw new Error(`ticket ${n} never called: ${q.get('done')}`);
    if (Number(q.get('n')) === n) return;
  }
  throw new Error(`ticket ${n} never called`);
}

/** The axe-core audit of `page`: violations of impact serious or critical, printed. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
        v.nodes
          .slice(0, 5)
          .map((n) => `    ${n.target.join(' ')}\n      ${n.failureSummary?.replace(/\n/g, '\n      ')}`)
          .join('\n'),
    );
}

/** A test whose `newContext` fixture opens contexts that record console errors (CSP
 * violations included), page errors, 4xx/5xx answers to anything but a page, and 5xx
 * answers to pages; each test fails when any appeared. The contexts are closed at the
 * end. */
export const test = base.extend<{
  newContext: (options?: BrowserContextOptions) => Promise<BrowserContext>;
  problems: string[];
}>({
  problems: async ({}, use) => {
    await use([]);
  },
  newContext: async ({ browser, problems, baseURL, timezoneId, locale }, use) => {
    const contexts: BrowserContext[] = [];
    const make = async (options: BrowserContextOptions = {}) => {
      const context = await browser.newContext({ baseURL, timezoneId, locale, ...options });
      context.on('console', (msg) => {
        // Failed loads are judged by the 'response' listener below (documents may
        // answer 401/404 on purpose).
        if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
          problems.push(`console error on ${msg.location().url}: ${msg.text()}`);
        }
      });
      context.on('weberror', (err) => problems.push(`page error: ${err.error().message}`));
      context.on('response', (res) => {
        const req = res.request();
        // A service worker's fetch of a page it serves (the ticket pages, network first)
        // stands for that page: judged as its document is (which may answer 404 on purpose).
        const swPage = req.serviceWorker() !== null && (req.headers()['accept'] ?? '').startsWith('text/html');
        const type = swPage ? 'document' : req.resourceType();
        if (res.status() >= 500 || (res.status() >= 400 && type !== 'document')) {
          problems.push(`${res.status()} for ${type} ${res.request().method()} ${res.url()}`);
        }
      });
      contexts.push(context);
      return context;
    };
    await use(make);
    for (const c of contexts) await c.close();
    expect(problems, 'console errors, page errors, failed scripts/fetches or 5xx answers').toEqual([]);
  },
});

/** Runs one action of the staff console with JavaScript on (a shortcut key or a click)
 * and waits until staff.js has sent it, swapped the page's regions and rewritten the URL;
 * answers the outcome shown. */
export async function consoleAct(page: Page, trigger: () => Promise<void>): Promise<string> {
  const answered = page.waitForResponse(
    // The answer to the form's POST, after its 303 (not a live refresh of the page).
    (r) => r.url().includes('/api/tickets/staff?done=') && r.request().redirectedFrom()?.method() === 'POST',
  );
  await trigger();
  const res = await answered;
  await expect(page).toHaveURL(res.url());
  return (await page.locator('[data-outcome]').innerText()).trim();
}

/** How many pixels of a series colour (saturated, unlike the grey grid and black text)
 * the dashboard chart draws above its lowest line, the zero line. */
export function plottedAboveZero(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const rows: number[] = [];
    for (let i = 0; i < px.length; i += 4) {
      const [r, g, b, a] = [px[i], px[i + 1], px[i + 2], px[i + 3]];
      if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 80) rows.push(Math.floor(i / 4 / c.width));
    }
    const zero = rows.reduce((m, y) => Math.max(m, y), 0);
    return rows.filter((y) => y < zero - 6).length;
  });
}

export { expect };

/** Takes a screenshot of `page` into `e2e/screenshots/<name>` (not committed) and, when
 * `UPDATE_DOCS_SCREENSHOTS=1`, copies it to `docs/screenshots/<name>`, so that an ordinary
 * test run leaves the tree as it was. */
export async function docScreenshot(page: Page, name: string, fullPage = false): Promise<void> {
  const { mkdirSync, copyFileSync } = await import('node:fs');
  const { join, resolve } = await import('node:path');
  const out = resolve(__dirname, '..', 'screenshots');
  mkdirSync(out, { recursive: true });
  const shot = join(out, name);
  await page.screenshot({ path: shot, fullPage, animations: 'disabled', caret: 'hide' });
  if (process.env.UPDATE_DOCS_SCREENSHOTS) {
    const docs = resolve(__dirname, '..', '..', 'docs', 'screenshots');
    mkdirSync(docs, { recursive: true });
    copyFileSync(shot, join(docs, name));
  }
}
