import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import {
  test, expect, signIn, ensureOpen, drainQueue, freshDay, callUntil, staffAction, seriousViolations, PHONE,
} from './helpers';

// A ticket's holder leaves the queue from the ticket's page: the link given with the
// ticket (`ticket_url`, its QR code) carries the holder's key `k`; with it, and only with
// it, the page of a waiting ticket offers "Je ne peux plus attendre", a disclosure whose
// form posts the key and comes back to the page, now showing the ticket cancelled.

/** Every screenshot: `e2e/screenshots/` (not committed). */
const OUT = resolve(__dirname, '..', 'screenshots');
/** The curated set for the README (committed), refreshed on request only
 * (`UPDATE_DOCS_SCREENSHOTS=1`), so that a test run leaves the tree as it was. */
const DOCS = resolve(__dirname, '..', '..', 'docs', 'screenshots');

/** A ticket taken by the API: its day, number and holder's link. */
type Held = { day: string; n: number; url: string };

async function take(context: BrowserContext): Promise<Held> {
  const res = await context.request.post('/api/tickets/take');
  expect(res.status(), 'take a ticket').toBe(201);
  const body = await res.json();
  const url: string = body.ticket_url;
  const n: number = body.ticket.ticket_number;
  expect(url, 'ticket_url carries the holder key').toMatch(
    new RegExp(`^/api/tickets/follow/${body.day}/${n}\\?k=[0-9a-f]{32}$`),
  );
  return { day: body.day, n, url };
}

/** The ticket as anyone sees it: `GET /api/tickets/ticket/<n>`. */
async function lookUp(context: BrowserContext, n: number): Promise<{ status: string; waiting_before: number | null }> {
  const res = await context.request.get(`/api/tickets/ticket/${n}`);
  expect(res.ok(), `ticket ${n}`).toBe(true);
  return res.json();
}

/** The page offers no way to leave. */
async function expectNoLeaving(page: Page): Promise<void> {
  await expect(page.locator('.ticket-number')).toBeVisible();
  await expect(page.locator('details.leave')).toHaveCount(0);
  await expect(page.locator('form.leave-form')).toHaveCount(0);
  await expect(page.locator('form[action$="/leave"]')).toHaveCount(0);
}

test('the holder leaves the queue from the ticket page with the keyboard; the ticket behind moves up', async ({ newContext }) => {
  const staff = await newContext();
  await signIn(staff);
  // A fresh day: small numbers and two people ahead, as in the picture for the README.
  await freshDay(staff);
  await take(staff);
  await take(staff);
  const mine = await take(staff);
  const behind = await take(staff);
  expect((await lookUp(staff, mine.n)).waiting_before).toBe(2);
  expect((await lookUp(staff, behind.n)).waiting_before).toBe(3);

  // The plain link (no key), a wrong key, and the kiosk's screen: the ticket, read-only.
  const reader = await newContext(PHONE);
  const plain = await reader.newPage();
  await plain.goto(`/api/tickets/follow/${mine.day}/${mine.n}`);
  await expect(plain.locator('.ticket-ahead')).toHaveText('2 personnes avant vous.');
  await expectNoLeaving(plain);
  await expect(plain.getByText('Je ne peux plus attendre')).toHaveCount(0);
  await plain.goto(`/api/tickets/follow/${mine.day}/${mine.n}?k=${'0'.repeat(32)}`);
  await expectNoLeaving(plain);
  await plain.goto(`${mine.url}&kiosk=1`);
  await expectNoLeaving(plain);

  // The holder, on a phone (bypassCSP only so that axe-core can be injected).
  const holder = await newContext({ ...PHONE, bypassCSP: true });
  const page = await holder.newPage();
  await page.goto(mine.url);
  await page.waitForLoadState('load');
  const details = page.locator('details.leave');
  const summary = details.locator('summary');
  const form = details.locator('form.leave-form');
  const leave = page.getByRole('button', { name: 'Quitter la file' });
  await expect(summary).toHaveText('Je ne peux plus attendre');
  await expect(form).toBeHidden();
  await expect(details).not.toHaveAttribute('open', /.*/);

  // Tab reaches the summary, with a visible focus ring; Enter opens it.
  let reached = false;
  for (let i = 0; i < 10 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await summary.evaluate((el) => el === document.activeElement);
  }
  expect(reached, 'Tab reaches "Je ne peux plus attendre" within 10 presses').toBe(true);
  const ring = await summary.evaluate((el) => {
    const s = getComputedStyle(el);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), visible: el.matches(':focus-visible') };
  });
  expect(ring.visible).toBe(true);
  expect(ring.style).not.toBe('none');
  expect(ring.width, 'a thick focus ring').toBeGreaterThanOrEqual(3);
  await page.keyboard.press('Enter');
  await expect(details).toHaveAttribute('open', '');
  await expect(form).toBeVisible();
  await expect(form).toContainText('Votre ticket sera annulé');
  await expect(leave).toBeVisible();
  // Touch targets of at least 44 px.
  for (const target of [summary, leave]) {
    const box = (await target.boundingBox())!;
    expect(box.height, 'touch target height').toBeGreaterThanOrEqual(44);
    expect(box.width, 'touch target width').toBeGreaterThanOrEqual(44);
  }
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(wide, 'nothing sticks out sideways').toBeLessThanOrEqual(0);

  // axe-core, with the disclosure open.
  expect(await seriousViolations(page), 'axe-core violations with the disclosure open').toEqual([]);

  // The picture: the holder's page, disclosure open, phone size.
  mkdirSync(OUT, { recursive: true });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await summary.evaluate((el) => (el as HTMLElement).blur());
  const shot = join(OUT, 'leave-fr-phone.png');
  await page.screenshot({ path: shot, fullPage: true, animations: 'disabled', caret: 'hide' });
  if (process.env.UPDATE_DOCS_SCREENSHOTS) {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(shot, join(DOCS, 'leave.png'));
  }

  // Tab goes on to "Quitter la file"; Enter leaves, and the page comes back with the key.
  await summary.focus();
  await page.keyboard.press('Tab');
  await expect(leave).toBeFocused();
  await Promise.all([page.waitForURL((u) => u.pathname + u.search === mine.url), page.keyboard.press('Enter')]);
  await expect(page.locator('.ticket-done')).toHaveText('Ticket annulé : vous avez quitté la file.');
  await expectNoLeaving(page);
  await expect(page.locator('.ticket-ahead')).toHaveCount(0);
  // Still so when loaded again.
  await page.reload();
  await expect(page.locator('.ticket-done')).toHaveText('Ticket annulé : vous avez quitté la file.');
  await expectNoLeaving(page);

  // The queue: this ticket is cancelled, the one behind moved up.
  expect((await lookUp(reader, mine.n)).status).toBe('cancelled');
  const after = await lookUp(reader, behind.n);
  expect(after.status).toBe('waiting');
  expect(after.waiting_before, 'the ticket behind moved up').toBe(2);
  // The page behind says so too.
  const next = await reader.newPage();
  await next.goto(behind.url);
  await expect(next.locator('.ticket-ahead')).toHaveText('2 personnes avant vous.');
});

test('without JavaScript, the holder leaves the queue by the plain form (English)', async ({ newContext }) => {
  const staff = await newContext();
  await signIn(staff);
  await ensureOpen(staff);
  await drainQueue(staff);
  const mine = await take(staff);
  const behind = await take(staff);
  expect((await lookUp(staff, behind.n)).waiting_before).toBe(1);

  const phone = await newContext({ ...PHONE, javaScriptEnabled: false, locale: 'en-GB' });
  const page = await phone.newPage();
  await page.goto(mine.url);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.locator('.ticket-ahead')).toHaveText('You are next.');
  // The alerts need JavaScript; leaving does not.
  await expect(page.getByRole('button', { name: /Alert me/ })).toBeHidden();
  const summary = page.locator('details.leave summary');
  await expect(summary).toHaveText('I can no longer wait');
  const leave = page.getByRole('button', { name: 'Leave the queue' });
  await expect(leave).toBeHidden();
  await summary.click();
  await expect(page.locator('form.leave-form')).toContainText('Your ticket will be cancelled');
  await expect(page.locator('form.leave-form input[type=hidden][name=k]')).toHaveValue(mine.url.split('k=')[1]);
  await Promise.all([page.waitForURL((u) => u.pathname + u.search === mine.url), leave.click()]);
  await expect(page.locator('.ticket-done')).toHaveText('Ticket cancelled: you left the queue.');
  await expectNoLeaving(page);

  expect((await lookUp(staff, mine.n)).status).toBe('cancelled');
  expect((await lookUp(staff, behind.n)).waiting_before, 'the ticket behind moved up').toBe(0);
});

test('a page left open after the ticket was called: leaving is refused with a page that says why', async ({ newContext }) => {
  const staff = await newContext();
  await signIn(staff);
  await ensureOpen(staff);
  await drainQueue(staff);
  const mine = await take(staff);

  // No JavaScript: the page stays as it was loaded, disclosure open, while staff call it.
  const phone = await newContext({ ...PHONE, javaScriptEnabled: false });
  const page = await phone.newPage();
  await page.goto(mine.url);
  await page.locator('details.leave summary').click();
  const desk = 'leave-e2e';
  await callUntil(staff, mine.n, desk);
  try {
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/leave'));
    await page.getByRole('button', { name: 'Quitter la file' }).click();
    expect((await answer).status()).toBe(409);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Trop tard pour quitter la file');
    // The ticket is still the desk's.
    expect((await lookUp(staff, mine.n)).status).toBe('in_progress');
    await page.goto(mine.url);
    await expect(page.locator('.ticket-called')).toContainText("C'est votre tour");
    await expectNoLeaving(page);
  } finally {
    expect(await staffAction(staff, 'finish', desk)).toBe('finished');
  }

  // A key that is not the holder's: 403, and the queue is unchanged.
  const other = await take(staff);
  const res = await phone.request.post(`/api/tickets/follow/${other.day}/${other.n}/leave`, {
    form: { k: 'f'.repeat(32) },
    maxRedirects: 0,
  });
  expect(res.status()).toBe(403);
  expect(await res.text()).toContain('Lien non valable');
  expect((await lookUp(staff, other.n)).status).toBe('waiting');
});
