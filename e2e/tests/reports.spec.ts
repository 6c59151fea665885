import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import {
  test, expect, signIn, ensureOpen, staffAction, takeFor, seriousViolations, plottedAboveZero,
  OFFICE_URL, PHONE, SIZES,
} from './helpers';

/** Every screenshot: `e2e/screenshots/` (not committed). */
const OUT = resolve(__dirname, '..', 'screenshots');
/** The README's pictures, refreshed with UPDATE_DOCS_SCREENSHOTS=1. */
const DOCS = resolve(__dirname, '..', '..', 'docs', 'screenshots');

/** The office of three services, its desks and targets (`office.toml`). */
test.use({ baseURL: OFFICE_URL });

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Some history for today: tickets of each service taken, called at several desks,
 * served, one no-show, one still at a desk and some waiting. Answers the day. */
async function someHistory(staff: BrowserContext): Promise<string> {
  await ensureOpen(staff);
  let day = '';
  for (const s of ['courrier', 'colis', 'banque', 'courrier', 'colis', 'courrier', 'banque', 'colis']) {
    day = (await takeFor(staff, s)).day;
  }
  await takeFor(staff, 'courrier', 'prioritaire');
  const steps: [string, string, string][] = [
    ['call_next', '1', 'called'],
    ['call_next', '3', 'called'],
    ['finish', '1', 'finished'],
    ['no_show', '3', 'no_show'],
    ['call_next', '1', 'called'],
    ['call_next', '2', 'called'],
    ['finish', '2', 'finished'],
    ['finish', '1', 'finished'],
    ['call_next', '3', 'called'],
    ['call_next', '4', 'called'],
    ['finish', '3', 'finished'],
    ['finish', '4', 'finished'],
    ['call_next', '2', 'called'],
  ];
  for (const [action, desk, done] of steps) {
    // A little time between actions, so that waits and service times are not all zero.
    await pause(300);
    expect(await staffAction(staff, action, desk), `${action} at desk ${desk}`).toBe(done);
  }
  return day;
}

/** The headline figure labelled `label`. */
function figure(page: Page, label: string) {
  return page
    .locator('.report-figures .figure')
    .filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) })
    .locator('dd');
}

/** Waits until both charts are drawn. */
async function chartsDrawn(page: Page): Promise<void> {
  await expect(page.locator('[data-report-charts]')).toBeVisible();
  const taken = page.locator('[data-report-chart="taken"] canvas');
  await expect(taken).toBeVisible();
  await expect.poll(() => plottedAboveZero(taken), { message: 'the bars are drawn' }).toBeGreaterThan(5);
  await expect(page.locator('[data-report-chart="waits"] canvas')).toBeVisible();
}

test('the reports page: a range, filters, figures, charts, CSV, print, axe, no JavaScript', async ({ newContext }) => {
  test.setTimeout(120_000);
  mkdirSync(OUT, { recursive: true });
  // bypassCSP only so that axe-core can be injected; the pages are the real ones.
  const staff = await newContext({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1, bypassCSP: true });
  await signIn(staff);
  const day = await someHistory(staff);
  const truth = await (await staff.request.get(`/api/reports?from=${day}&to=${day}`)).json();
  expect(truth.total.taken).toBeGreaterThanOrEqual(9);

  const page = await staff.newPage();
  await page.goto('/api/dashboard');
  await page.getByRole('navigation', { name: 'Navigation' }).getByRole('link', { name: 'Rapports' }).click();
  await expect(page).toHaveURL(/\/api\/admin\/reports$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rapports');
  await expect(page.getByRole('link', { name: '7 derniers jours' })).toHaveAttribute('aria-current', 'true');

  // A quick choice: today.
  await page.getByRole('link', { name: "Aujourd'hui" }).click();
  await expect(page).toHaveURL(new RegExp(`from=${day}&to=${day}$`));
  await expect(page.getByLabel('Du', { exact: true })).toHaveValue(day);
  await expect(page.getByLabel('Au', { exact: true })).toHaveValue(day);
  await expect(figure(page, 'Tickets pris')).toHaveText(String(truth.total.taken));
  await expect(figure(page, 'Servis')).toHaveText(String(truth.total.served));
  await expect(figure(page, 'Absents')).toHaveText(String(truth.total.no_show));
  await chartsDrawn(page);
  // The target line: the services' targets differ (10 and 15 min), so none until one is chosen.
  await expect(page.locator('.line-target')).toHaveCount(0);
  // The heat map holds every ticket of the day in its cells.
  const cells = await page.locator('.heatmap .heat-count').allInnerTexts();
  expect(cells.reduce((n, c) => n + Number(c), 0)).toBe(truth.total.taken);
  // The tables: a row per service with tickets, per desk that called, per day.
  await expect(page.locator('#services-title + .table-scroll tbody tr')).toHaveCount(truth.services.length);
  await expect(page.locator('#desks-title + .table-scroll tbody tr')).toHaveCount(truth.desks.length);
  await expect(page.locator('#days-title + .table-scroll tbody tr')).toHaveCount(1);

  // The filter form: one service; its target line appears and the CSV keeps the filter.
  await page.getByLabel('Service', { exact: true }).selectOption('colis');
  await page.getByRole('button', { name: 'Afficher' }).click();
  await expect(page).toHaveURL(/service=colis/);
  const colis = truth.services.find((s: { code: string }) => s.code === 'colis');
  await expect(figure(page, 'Tickets pris')).toHaveText(String(colis.taken));
  await chartsDrawn(page);
  await expect(page.locator('.line-target')).toHaveCount(1);
  await expect(page.locator('.legend').filter({ hasText: 'Objectif' })).toContainText('15 min');
  const csvLink = page.getByRole('link', { name: /Télécharger CSV/ });
  const href = (await csvLink.getAttribute('href'))!;
  expect(href).toBe(`/api/reports/tickets.csv?from=${day}&to=${day}&service=colis`);
  const csv = await staff.request.get(href);
  expect(csv.status()).toBe(200);
  const rows = (await csv.text()).trim().split(/\r?\n/);
  const header = rows[0].split(',');
  const service = header.indexOf('service');
  expect(service).toBeGreaterThanOrEqual(0);
  expect(rows.length - 1).toBe(colis.taken);
  for (const row of rows.slice(1)) expect(row.split(',')[service]).toBe('colis');

  // The print button prints.
  await page.evaluate(() => {
    (window as any).__printed = 0;
    window.print = () => { (window as any).__printed++; };
  });
  await page.getByRole('button', { name: 'Imprimer' }).click();
  expect(await page.evaluate(() => (window as any).__printed)).toBe(1);

  // axe-core, in both languages, with the charts drawn.
  const problems: string[] = [];
  // (English last: `lang=en` is remembered in a cookie.)
  const audited = [
    ['fr', `/api/admin/reports?from=${day}&to=${day}`],
    ['fr', '/api/admin/reports?from=hier'],
    ['en', `/api/admin/reports?from=${day}&to=${day}&lang=en`],
  ] as const;
  for (const [lang, path] of audited) {
    await page.goto(path);
    await expect(page.locator('html')).toHaveAttribute('lang', lang);
    if (!path.includes('hier')) await chartsDrawn(page);
    problems.push(...(await seriousViolations(page)).map((v) => `${path}\n  ${v}`));
  }
  await page.screenshot({ path: join(OUT, 'reports-en-desktop.png'), fullPage: false, animations: 'disabled', caret: 'hide' });
  await page.goto('/api/admin/reports?lang=fr');

  // The monthly report, on screen and on paper (A4: 210 mm less 2 × 12 mm of margins).
  await page.getByRole('link', { name: 'Ce mois-ci' }).click();
  await chartsDrawn(page);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.screenshot({ path: join(OUT, 'reports-fr-desktop.png'), fullPage: false, animations: 'disabled', caret: 'hide' });
  await page.screenshot({ path: join(OUT, 'reports-fr-desktop-full.png'), fullPage: true, animations: 'disabled', caret: 'hide' });
  // An A4 sheet at 96 px per inch (210 × 297 mm), with the printer's 12 mm margins drawn
  // for the picture: the report is laid out in the 186 mm between them.
  await page.setViewportSize({ width: 794, height: 1123 });
  await page.emulateMedia({ media: 'print' });
  const sheet = await page.addStyleTag({ content: 'body.page-reports { padding: 12mm; }' });
  await expect(page.locator('.topbar')).toBeHidden();
  await expect(page.locator('.report-controls')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Imprimer' })).toBeHidden();
  await expect(page.locator('.report-figures')).toBeVisible();
  await expect(page.locator('[data-report-chart="taken"] canvas')).toBeVisible();
  const widest = await page.evaluate(() => {
    const main = document.querySelector('main')!;
    const left = main.getBoundingClientRect().left;
    return Math.max(main.scrollWidth, ...Array.from(main.querySelectorAll('table, canvas, .card')).map((e) => e.getBoundingClientRect().right - left));
  });
  expect(widest, 'the printed report fits the A4 width').toBeLessThanOrEqual(704);
  await page.screenshot({ path: join(OUT, 'reports-fr-print.png'), fullPage: false, animations: 'disabled', caret: 'hide' });
  await sheet.evaluate((style) => (style as Element).remove());
  // As Chromium prints it: one A4 sheet (595 × 842 pt).
  const pdf = (await page.pdf({ path: join(OUT, 'reports-fr-a4.pdf'), preferCSSPageSize: true })).toString('latin1');
  expect(pdf).toMatch(/\/MediaBox \[0 0 59[45](\.\d+)? 84[12](\.\d+)?\]/);
  expect(pdf.match(/\/Type \/Page\b(?!s)/g) ?? [], 'the monthly report prints on one sheet').toHaveLength(1);
  await page.emulateMedia({ media: 'screen' });

  // On a phone: nothing sticks out sideways, and axe finds nothing either.
  const phone = await newContext({ ...PHONE, baseURL: OFFICE_URL, bypassCSP: true });
  await signIn(phone);
  const small = await phone.newPage();
  await small.goto(`/api/admin/reports?from=${day}&to=${day}`);
  await chartsDrawn(small);
  const wide = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(wide, 'the page is wider than the phone').toBeLessThanOrEqual(0);
  problems.push(...(await seriousViolations(small)).map((v) => `phone\n  ${v}`));
  await small.screenshot({ path: join(OUT, 'reports-fr-phone.png'), fullPage: true, animations: 'disabled', caret: 'hide' });
  expect(problems, `axe-core violations:\n\n${problems.join('\n\n')}`).toEqual([]);

  // Without JavaScript: the figures and tables, no empty chart, no print button.
  const plain = await newContext({ viewport: SIZES.desktop, javaScriptEnabled: false });
  await signIn(plain);
  const still = await plain.newPage();
  await still.goto(`/api/admin/reports?from=${day}&to=${day}`);
  await expect(figure(still, 'Tickets pris')).toHaveText(String(truth.total.taken));
  await expect(still.locator('[data-report-charts]')).toBeHidden();
  await expect(still.getByRole('button', { name: 'Imprimer' })).toBeHidden();
  await expect(still.locator('.heatmap')).toBeVisible();
  await expect(still.locator('#days-title + .table-scroll tbody tr')).toHaveCount(1);
  await still.getByLabel('Service', { exact: true }).selectOption('banque');
  await still.getByRole('button', { name: 'Afficher' }).click();
  await expect(still).toHaveURL(/service=banque/);

  if (process.env.UPDATE_DOCS_SCREENSHOTS) {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(join(OUT, 'reports-fr-desktop.png'), join(DOCS, 'reports.png'));
    copyFileSync(join(OUT, 'reports-fr-print.png'), join(DOCS, 'reports-print.png'));
  }
});
