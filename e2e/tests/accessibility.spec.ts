import type { BrowserContext } from '@playwright/test';
import {
  test, expect, signIn, ensureOpen, takeTicket, callUntil, seriousViolations, staffAction, takeFor, freshDay,
  OFFICE_URL, PHONE, SIZES, type LangCode,
} from './helpers';

const LOCALES: Record<LangCode, string> = { fr: 'fr-FR', en: 'en-GB' };

/** Audits `path` in `context`; fails listing every serious or critical violation. */
async function audit(context: BrowserContext, name: string, path: string, lang: LangCode): Promise<string[]> {
  const page = await context.newPage();
  const res = await page.goto(path);
  expect(res!.ok() || res!.status() === 404, `${name}: ${res!.status()}`).toBe(true);
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  // Let the page's scripts run once (chart drawn, js-only parts shown).
  await page.waitForLoadState('load');
  if (path.includes('dashboard')) await expect(page.locator('[data-chart-canvas] canvas').first()).toBeVisible();
  const found = await seriousViolations(page);
  await page.close();
  return found.map((v) => `${name} (${lang}) ${path}\n  ${v}`);
}

for (const lang of ['fr', 'en'] as const) {
  test(`axe-core: no serious or critical violation on any page (${lang})`, async ({ newContext }) => {
    test.setTimeout(60_000);
    // bypassCSP only so that axe-core can be injected; the pages are the real ones.
    const desktop = await newContext({ locale: LOCALES[lang], viewport: SIZES.desktop, bypassCSP: true });
    const kiosk = await newContext({ locale: LOCALES[lang], viewport: SIZES.kiosk, bypassCSP: true });
    const phone = await newContext({ ...PHONE, locale: LOCALES[lang], bypassCSP: true });
    await signIn(desktop);
    await ensureOpen(desktop);
    const waiting = await takeTicket(kiosk);
    const called = await takeTicket(kiosk);
    // `called` is at the desk, `waiting` before it gets called too: take one more to wait.
    await callUntil(desktop, called.n, 'a11y');
    const later = await takeTicket(kiosk);
    void waiting;
    // Enough lines for the dashboard's log to scroll, as it does on any real day.
    for (let i = 0; i < 15; i++) await takeTicket(kiosk);

    const problems: string[] = [];
    problems.push(...(await audit(kiosk, 'kiosk', '/api/tickets/public', lang)));
    problems.push(...(await audit(kiosk, 'ticket, kiosk mode', `/api/tickets/follow/${later.day}/${later.n}?kiosk=1`, lang)));
    problems.push(...(await audit(phone, 'ticket, phone', `/api/tickets/follow/${later.day}/${later.n}`, lang)));
    problems.push(...(await audit(phone, 'ticket called, phone', `/api/tickets/follow/${called.day}/${called.n}`, lang)));
    problems.push(...(await audit(phone, 'unknown ticket', `/api/tickets/follow/${later.day}/99999`, lang)));
    problems.push(...(await audit(phone, 'sign-in', '/api/login', lang)));
    problems.push(...(await audit(desktop, 'console', '/api/tickets/staff?desk=a11y&done=called&n=' + called.n, lang)));
    problems.push(...(await audit(desktop, 'dashboard', '/api/dashboard', lang)));
    {
      const page = await phone.newPage();
      await page.goto('/api/login');
      await page.locator('#password').fill('wrong');
      await page.locator('form.stack button[type=submit]').click();
      await expect(page.getByRole('alert')).toBeVisible();
      problems.push(...(await seriousViolations(page)).map((v) => `sign-in, wrong password (${lang})\n  ${v}`));
      await page.close();
    }
    // The closed kiosk (reopened right after).
    try {
      const page = await kiosk.newPage();
      await desktop.request.post('/api/tickets/staff', { form: { action: 'close_day', desk: '1' }, maxRedirects: 0 });
      await page.goto('/api/tickets/public?closed=1');
      await expect(page.locator('.closed-sign')).toBeVisible();
      problems.push(...(await seriousViolations(page)).map((v) => `closed kiosk (${lang})\n  ${v}`));
    } finally {
      await ensureOpen(desktop);
    }
    expect(problems, `axe-core violations:\n\n${problems.join('\n\n')}`).toEqual([]);
  });
}

for (const lang of ['fr', 'en'] as const) {
  test(`axe-core: the pages of an office of three services, priority and desks (${lang})`, async ({ newContext }) => {
    test.setTimeout(60_000);
    const base = { baseURL: OFFICE_URL, locale: LOCALES[lang], bypassCSP: true };
    const desktop = await newContext({ ...base, viewport: SIZES.desktop });
    const kiosk = await newContext({ ...base, viewport: SIZES.kiosk });
    const phone = await newContext({ ...PHONE, ...base });
    const board = await newContext({ ...base, viewport: { width: 1920, height: 1080 } });
    await signIn(desktop);
    await signIn(phone);
    await freshDay(desktop);
    // A day under way: a ticket at desk 1, a no-show, tickets waiting in each service.
    for (const s of ['courrier', 'colis', 'banque', 'colis']) await takeFor(kiosk, s);
    const priority = await takeFor(kiosk, 'courrier', 'prioritaire');
    expect(await staffAction(desktop, 'call_next', '3')).toBe('called');
    expect(await staffAction(desktop, 'no_show', '3')).toBe('no_show');
    expect(await staffAction(desktop, 'call_next', '1')).toBe('called');
    const waiting = await takeFor(kiosk, 'courrier');

    const problems: string[] = [];
    problems.push(...(await audit(kiosk, 'office kiosk', '/api/tickets/public', lang)));
    problems.push(...(await audit(kiosk, 'office kiosk, refusal', '/api/tickets/public?refused=daily_limit&service=banque', lang)));
    problems.push(...(await audit(kiosk, 'office ticket, kiosk mode', `/api/tickets/follow/${priority.day}/${priority.n}?kiosk=1`, lang)));
    problems.push(...(await audit(phone, 'office ticket, phone', `/api/tickets/follow/${waiting.day}/${waiting.n}`, lang)));
    problems.push(...(await audit(desktop, 'office console', '/api/tickets/staff?desk=1&done=transferred&n=1&to=banque', lang)));
    problems.push(...(await audit(phone, 'office console, phone', '/api/tickets/staff?desk=3', lang)));
    problems.push(...(await audit(desktop, 'office dashboard', '/api/dashboard', lang)));
    problems.push(...(await audit(board, 'office board', '/api/tickets/display', lang)));
    expect(problems, `axe-core violations:\n\n${problems.join('\n\n')}`).toEqual([]);
  });
}

test('keyboard: the skip link comes first and works; Tab reaches the take button with a visible focus ring', async ({ newContext }) => {
  const context = await newContext({ viewport: SIZES.kiosk });
  await signIn(context);
  await ensureOpen(context);
  const page = await context.newPage();
  await page.goto('/api/tickets/public');

  // First Tab: the skip link, moved into view.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Aller au contenu' });
  await expect(skip).toBeFocused();
  const box = await skip.boundingBox();
  expect(box!.x, 'the skip link is on screen when focused').toBeGreaterThanOrEqual(0);
  expect(box!.y).toBeGreaterThanOrEqual(0);
  await expect(skip).toBeInViewport();

  // Enter: focus goes to <main>, and the next Tab lands on the take button.
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#main$/);
  await expect(page.locator('main#main')).toBeFocused();
  await page.keyboard.press('Tab');
  const take = page.getByRole('button', { name: 'Prendre un ticket' });
  await expect(take).toBeFocused();
  const ring = await take.evaluate((el) => {
    const s = getComputedStyle(el);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor, visible: el.matches(':focus-visible') };
  });
  expect(ring.visible).toBe(true);
  expect(ring.style).not.toBe('none');
  expect(ring.width, 'a thick focus ring').toBeGreaterThanOrEqual(3);
  expect(ring.colour).not.toMatch(/rgba\(0, 0, 0, 0\)|transparent/);

  // Without the skip link, Tab still gets there after the header's few links.
  await page.goto('/api/tickets/public');
  let reached = false;
  for (let i = 0; i < 6 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await take.evaluate((el) => el === document.activeElement);
  }
  expect(reached, 'Tab reaches the take button within 6 presses').toBe(true);

  // Enter on the focused button takes a ticket.
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/follow\/.*[?&]kiosk=1$/);
  await expect(page.locator('.ticket-number')).toBeVisible();
});
