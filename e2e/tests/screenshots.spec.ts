import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import {
  test, expect, signIn, staffAction, takeTicket, takeFor, freshDay, plottedAboveZero, OFFICE_URL, SIZES,
  type LangCode, type SizeName,
} from './helpers';

/** Every screenshot: `e2e/screenshots/<page>-<lang>-<size>.png` (not committed). */
const OUT = resolve(__dirname, '..', 'screenshots');
/** The curated set for the README (committed). */
const DOCS = resolve(__dirname, '..', '..', 'docs', 'screenshots');

/** The pages shot. `ticket` is the ticket page in kiosk mode (print button, QR code),
 * `follow` the same ticket's phone page. */
type PageName = 'kiosk' | 'ticket' | 'follow' | 'login' | 'staff' | 'dashboard';

/** docs/screenshots/<name> ← screenshots/<source>. */
const CURATED: [string, string][] = [
  ['kiosk-fr-kiosk.png', 'kiosk-fr-kiosk.png'],
  ['ticket-fr-kiosk.png', 'ticket-fr-kiosk.png'],
  ['ticket-fr-phone.png', 'follow-fr-phone.png'],
  ['staff-fr-desktop.png', 'staff-fr-desktop.png'],
  ['dashboard-fr-desktop.png', 'dashboard-fr-desktop.png'],
  ['login-fr-desktop.png', 'login-fr-desktop.png'],
  ['staff-en-desktop.png', 'staff-en-desktop.png'],
  ['dashboard-en-desktop.png', 'dashboard-en-desktop.png'],
  ['display-fr-board.png', 'display-fr-board.png'],
];

/** The display board's screen. */
const BOARD = { width: 1920, height: 1080 };
/** Other screens a board is hung on: a 720p television, an old 4:3 monitor or projector,
 * a screen turned to portrait. */
const OTHER_BOARDS = [
  { width: 1280, height: 720 },
  { width: 1024, height: 768 },
  { width: 1080, height: 1920 },
];

/** What sticks out of the board at each of its screens (the page taller or wider than the
 * screen, the latest call or the last calls wider than their panel); shoots each screen as
 * `<name>-<width>x<height>.png` (`<name>.png` at `BOARD`). The page is the board, loaded at `BOARD`. */
async function boardMisfits(page: Page, name: string): Promise<string[]> {
  const misfits: string[] = [];
  for (const screen of [BOARD, ...OTHER_BOARDS]) {
    await page.setViewportSize(screen);
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    const out = await page.evaluate(() => {
      const side = document.querySelector('.board-side') as HTMLElement;
      const table = side.querySelector('table') as HTMLElement;
      const now = document.querySelector('.board-now') as HTMLElement;
      // The glyphs' boxes (the number, the desk), not the elements' (which stop at their
      // panel's edge).
      const panel = now.getBoundingClientRect();
      const out = (el: Element) => {
        const glyphs = document.createRange();
        glyphs.selectNodeContents(el);
        const box = glyphs.getBoundingClientRect();
        return Math.ceil(Math.max(box.right - panel.right, panel.left - box.left));
      };
      return {
        now: Math.max(out(now.querySelector('[data-now-number]')!), out(now.querySelector('.now-desk')!)),
        tall: document.documentElement.scrollHeight - window.innerHeight,
        wide: document.documentElement.scrollWidth - window.innerWidth,
        side: Math.max(
          side.scrollWidth - side.clientWidth,
          Math.ceil(table.getBoundingClientRect().right - side.getBoundingClientRect().right),
        ),
      };
    });
    const at = `${name} at ${screen.width}×${screen.height}`;
    if (out.tall > 0) misfits.push(`${at}: ${out.tall}px taller than the screen`);
    if (out.wide > 0) misfits.push(`${at}: ${out.wide}px wider than the screen`);
    if (out.now > 0) misfits.push(`${at}: the latest call sticks out of its panel by ${out.now}px`);
    if (out.side > 0) misfits.push(`${at}: the last calls stick out by ${out.side}px`);
    const file = join(OUT, screen === BOARD ? `${name}.png` : `${name}-${screen.width}x${screen.height}.png`);
    await page.screenshot({ path: file, fullPage: false, animations: 'disabled', caret: 'hide' });
  }
  await page.setViewportSize(BOARD);
  return misfits;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A realistic morning: ten tickets, two desks each with a current ticket, three served,
 * one no-show, four waiting. Answers the tickets shown on the ticket pages. */
async function realisticDay(staff: BrowserContext): Promise<{ day: string; kioskTicket: number; phoneTicket: number }> {
  expect(await staffAction(staff, 'reset_day', '1', { confirm: 'yes' })).toBe('reset');
  expect(await staffAction(staff, 'open_day')).toBe('opened');
  let day = '';
  const numbers: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = await takeTicket(staff);
    day = t.day;
    numbers.push(t.n);
  }
  expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const steps: [string, string, string][] = [
    ['call_next', '1', 'called'], // 1 at desk 1
    ['call_next', '2', 'called'], // 2 at desk 2
    ['finish', '1', 'finished'], //  1 served
    ['call_next', '1', 'called'], // 3 at desk 1
    ['no_show', '2', 'no_show'], //  2 absent
    ['call_next', '2', 'called'], // 4 at desk 2
    ['finish', '1', 'finished'], //  3 served
    ['finish', '2', 'finished'], //  4 served
    ['call_next', '1', 'called'], // 5 at desk 1
    ['recall', '1', 'recalled'], //  5 called again
    ['call_next', '2', 'called'], // 6 at desk 2
  ];
  for (const [action, desk, done] of steps) {
    // A little time between actions, so durations and averages are not all zero.
    await pause(400);
    expect(await staffAction(staff, action, desk), `${action} at desk ${desk}`).toBe(done);
  }
  return { day, kioskTicket: 10, phoneTicket: 9 };
}

/** Waits until the page is settled for a picture: fonts, scripts, the chart. */
async function settle(page: Page, name: PageName): Promise<void> {
  await page.waitForLoadState('load');
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  if (name === 'dashboard') {
    const canvas = page.locator('[data-chart-canvas] canvas').first();
    await expect(canvas).toBeVisible();
    await expect.poll(() => plottedAboveZero(canvas), { message: 'the chart is drawn' }).toBeGreaterThan(5);
  }
  if (name === 'ticket') await expect(page.getByRole('img', { name: /QR/ })).toBeVisible();
}

test('screenshots of every page, in French and English, at kiosk, desktop and phone sizes', async ({ newContext }) => {
  test.setTimeout(120_000);
  mkdirSync(OUT, { recursive: true });
  const staff = await newContext();
  await signIn(staff);
  const { day, kioskTicket, phoneTicket } = await realisticDay(staff);

  const paths: Record<PageName, string> = {
    kiosk: '/api/tickets/public',
    ticket: `/api/tickets/follow/${day}/${kioskTicket}?kiosk=1`,
    follow: `/api/tickets/follow/${day}/${phoneTicket}`,
    login: '/api/login',
    staff: '/api/tickets/staff?desk=1',
    dashboard: '/api/dashboard',
  };
  const overflow: string[] = [];
  for (const lang of ['fr', 'en'] as LangCode[]) {
    for (const size of Object.keys(SIZES) as SizeName[]) {
      const context = await newContext({
        locale: lang === 'fr' ? 'fr-FR' : 'en-GB',
        viewport: SIZES[size],
        deviceScaleFactor: 1,
        isMobile: size === 'phone',
        hasTouch: size !== 'desktop',
      });
      await signIn(context);
      const page = await context.newPage();
      for (const name of Object.keys(paths) as PageName[]) {
        await page.goto(paths[name]);
        await expect(page.locator('html')).toHaveAttribute('lang', lang);
        await settle(page, name);
        // Nothing may stick out sideways (a page that scrolls horizontally).
        const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (wide > 0) overflow.push(`${name}-${lang}-${size}: ${wide}px wider than the screen`);
        const file = join(OUT, `${name}-${lang}-${size}.png`);
        await page.screenshot({ path: file, fullPage: false, animations: 'disabled', caret: 'hide' });
        expect(statSync(file).size, file).toBeGreaterThan(5_000);
      }
      // The state the pictures show, checked once per language.
      if (size === 'desktop') {
        await page.goto(paths.dashboard);
        await expect(page.locator('[data-live="figures"] .figure dd').nth(0)).toHaveText('10');
        await expect(page.locator('[data-live="figures"] .figure dd').nth(1)).toHaveText('4');
        await expect(page.locator('[data-live="figures"] .figure dd').nth(2)).toHaveText('3');
        await expect(page.locator('[data-live="figures"] .figure dd').nth(3)).toHaveText('1');
        await expect(page.locator('[data-live="desks"] tbody tr')).toHaveCount(2);
        await expect(page.locator('[data-live="desks"] tbody tr td strong')).toHaveText(['5', '6']);
        await expect(page.locator('[data-live="queue"] tbody tr')).toHaveCount(4);
      }
      await context.close();
    }
  }

  // The display board, on its 1920×1080 screen.
  for (const lang of ['fr', 'en'] as LangCode[]) {
    const context = await newContext({ locale: lang === 'fr' ? 'fr-FR' : 'en-GB', viewport: BOARD });
    const page = await context.newPage();
    await page.goto('/api/tickets/display');
    await expect(page.locator('[data-now-number]')).toHaveText('6');
    await expect(page.locator('[data-now-desk]')).toHaveText(lang === 'fr' ? 'Guichet 2' : 'Desk 2');
    await expect(page.locator('[data-calls] tr')).toHaveCount(2);
    await expect(page.locator('[data-connection]')).toBeHidden();
    overflow.push(...(await boardMisfits(page, `display-${lang}-board`)));
    await context.close();
  }

  // The README's pictures are refreshed on request only, so a test run leaves the tree
  // as it was: UPDATE_DOCS_SCREENSHOTS=1 npx playwright test screenshots
  if (process.env.UPDATE_DOCS_SCREENSHOTS) {
    mkdirSync(DOCS, { recursive: true });
    for (const [name, source] of CURATED) copyFileSync(join(OUT, source), join(DOCS, name));
  }
  expect(overflow, 'pages wider than the screen').toEqual([]);
});

/** A morning at the office of three services (`office.toml`): ten tickets, one with
 * priority; three desks each with a ticket (one recalled), two served, one no-show; then a
 * priority ticket at the kiosk. Answers the tickets the ticket pages show. Desks call by
 * the office's rule: priority first, else the earliest arrival among their services. The
 * day starts afresh before (`freshDay`). */
async function officeDay(staff: BrowserContext): Promise<{ day: string; kioskTicket: number; phoneTicket: number }> {
  const taken: string[] = [];
  for (const [service, priority] of [
    ['courrier'], ['colis'], ['banque'], ['colis'], ['courrier', 'prioritaire'],
    ['courrier'], ['colis'], ['banque'], ['colis'], ['courrier'],
  ] as [string, string?][]) {
    taken.push((await takeFor(staff, service, priority)).label);
  }
  expect(taken).toEqual(['A001', 'B001', 'C001', 'B002', 'A002', 'A003', 'B003', 'C002', 'B004', 'A004']);
  const steps: [string, string, string][] = [
    ['call_next', '1', 'called'], // A002 (priority) at desk 1 (letters, parcels)
    ['call_next', '2', 'called'], // A001 at desk 2 (parcels, letters)
    ['call_next', '3', 'called'], // B001 at desk 3 (banking, parcels)
    ['finish', '1', 'finished'], //  A002 served
    ['call_next', '1', 'called'], // B002 at desk 1
    ['no_show', '2', 'no_show'], //  A001 absent
    ['call_next', '2', 'called'], // A003 at desk 2
    ['finish', '3', 'finished'], //  B001 served
    ['call_next', '3', 'called'], // C001 at desk 3
    ['recall', '2', 'recalled'], //  A003 called again
  ];
  for (const [action, desk, done] of steps) {
    await pause(400);
    expect(await staffAction(staff, action, desk), `${action} at desk ${desk}`).toBe(done);
  }
  const kiosk = await takeFor(staff, 'courrier', 'prioritaire');
  expect(kiosk.label).toBe('A005');
  const phone = await (await staff.request.get('/api/tickets/ticket/10')).json();
  expect(phone.ticket.label).toBe('A004');
  return { day: kiosk.day, kioskTicket: kiosk.n, phoneTicket: 10 };
}

/** docs/screenshots/<name> ← screenshots/<source>, for the office. */
const OFFICE_CURATED: [string, string][] = [
  ['office-kiosk-fr-kiosk.png', 'office-kiosk-fr-kiosk.png'],
  ['office-ticket-fr-kiosk.png', 'office-ticket-fr-kiosk.png'],
  ['office-ticket-fr-phone.png', 'office-follow-fr-phone.png'],
  ['office-staff-fr-desktop.png', 'office-staff-fr-desktop-full.png'],
  ['office-staff-en-desktop.png', 'office-staff-en-desktop-full.png'],
  ['office-dashboard-fr-desktop.png', 'office-dashboard-fr-desktop-live.png'],
  ['office-display-fr-board.png', 'office-display-fr-board.png'],
  ['office-display-en-board.png', 'office-display-en-board.png'],
];

test('screenshots of an office of three services: kiosk, ticket, console, board, dashboard', async ({ newContext }) => {
  test.setTimeout(120_000);
  mkdirSync(OUT, { recursive: true });
  const staff = await newContext({ baseURL: OFFICE_URL });
  await signIn(staff);
  // A dashboard left open through the morning: its per-service chart draws the day.
  const watch = await newContext({ baseURL: OFFICE_URL, viewport: { width: 1440, height: 1240 }, deviceScaleFactor: 1 });
  await signIn(watch);
  await freshDay(staff);
  const dashboard = await watch.newPage();
  await dashboard.goto('/api/dashboard');
  await expect(dashboard.locator('[data-service-chart-canvas] canvas').first()).toBeVisible();
  const { day, kioskTicket, phoneTicket } = await officeDay(staff);
  await expect(dashboard.locator('[data-live="figures"] .figure dd').first()).toHaveText('11');
  await pause(1500);
  await dashboard.screenshot({ path: join(OUT, 'office-dashboard-fr-desktop-live.png'), fullPage: false, animations: 'disabled', caret: 'hide' });
  await watch.close();

  const paths: Record<PageName, string> = {
    kiosk: '/api/tickets/public',
    ticket: `/api/tickets/follow/${day}/${kioskTicket}?kiosk=1`,
    follow: `/api/tickets/follow/${day}/${phoneTicket}`,
    login: '/api/login',
    staff: '/api/tickets/staff?desk=1',
    dashboard: '/api/dashboard',
  };
  const overflow: string[] = [];
  for (const lang of ['fr', 'en'] as LangCode[]) {
    for (const size of Object.keys(SIZES) as SizeName[]) {
      const context = await newContext({
        baseURL: OFFICE_URL,
        locale: lang === 'fr' ? 'fr-FR' : 'en-GB',
        viewport: SIZES[size],
        deviceScaleFactor: 1,
        isMobile: size === 'phone',
        hasTouch: size !== 'desktop',
      });
      await signIn(context);
      const page = await context.newPage();
      for (const name of Object.keys(paths) as PageName[]) {
        if (name === 'login') continue;
        await page.goto(paths[name]);
        await expect(page.locator('html')).toHaveAttribute('lang', lang);
        await settle(page, name);
        const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (wide > 0) overflow.push(`office ${name}-${lang}-${size}: ${wide}px wider than the screen`);
        const file = join(OUT, `office-${name}-${lang}-${size}.png`);
        await page.screenshot({ path: file, fullPage: false, animations: 'disabled', caret: 'hide' });
        expect(statSync(file).size, file).toBeGreaterThan(5_000);
      }
      if (size === 'desktop') {
        // The state the pictures show.
        await page.goto(paths.staff);
        await expect(page.locator('.big-number')).toHaveText('B002');
        await expect(page.locator('.waiting-table tbody th')).toHaveText([/^A005/, /^A004/, /^B003/, /^B004/]);
        await expect(page.locator('.no-shows li strong')).toHaveText(['A001']);
        await page.screenshot({ path: join(OUT, `office-staff-${lang}-desktop-full.png`), fullPage: true, animations: 'disabled', caret: 'hide' });
      }
      await context.close();
    }
  }

  for (const lang of ['fr', 'en'] as LangCode[]) {
    const context = await newContext({ baseURL: OFFICE_URL, locale: lang === 'fr' ? 'fr-FR' : 'en-GB', viewport: BOARD });
    const page = await context.newPage();
    await page.goto('/api/tickets/display');
    await expect(page.locator('[data-now-number]')).toHaveText('A003');
    await expect(page.locator('[data-now-desk]')).toHaveText(lang === 'fr' ? 'Guichet 2' : 'Desk 2');
    await expect(page.locator('[data-calls] tr')).toHaveCount(3);
    // Once the live state is in (the list rendered again by the page), nothing sticks out.
    await expect(page.locator('[data-connection]')).toBeHidden();
    await pause(500);
    overflow.push(...(await boardMisfits(page, `office-display-${lang}-board`)));
    await context.close();
  }

  if (process.env.UPDATE_DOCS_SCREENSHOTS) {
    mkdirSync(DOCS, { recursive: true });
    for (const [name, source] of OFFICE_CURATED) copyFileSync(join(OUT, source), join(DOCS, name));
  }
  expect(overflow, 'pages wider than the screen').toEqual([]);
});
