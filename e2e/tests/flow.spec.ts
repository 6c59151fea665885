import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Page } from '@playwright/test';
import { test, expect, drainQueue, consoleAct, plottedAboveZero, signIn, ensureOpen, parseFollowUrl, FOLLOW_RE, PHONE, SIZES } from './helpers';

/** The desk this test works at (its own, so it finds its tickets in the tables). */
const DESK = '7';

/** Presses a console shortcut; answers the outcome shown. */
function shortcut(page: Page, key: string): Promise<string> {
  return consoleAct(page, () => page.keyboard.press(key));
}

/** Clicks a console button; answers the outcome shown. */
function click(page: Page, name: string | RegExp): Promise<string> {
  return consoleAct(page, () => page.getByRole('button', { name }).click());
}

/** Presses N until ticket `n` is called at this desk. */
async function callUntil(page: Page, n: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const outcome = await shortcut(page, 'n');
    const m = /Ticket (\d+) appelé/.exec(outcome);
    expect(m, `outcome of N: ${outcome}`).not.toBeNull();
    if (Number(m![1]) === n) return;
  }
  throw new Error(`ticket ${n} was never called`);
}

test('a ticket goes from the kiosk to a desk, live on the phone; the console runs the day', async ({ newContext }) => {
  test.setTimeout(90_000);
  const staff = await newContext({ viewport: SIZES.desktop });
  await signIn(staff);
  await ensureOpen(staff);
  await drainQueue(staff);
  await staff.clearCookies(); // the console is signed in through the form below

  // --- The kiosk: one big button, then the ticket page in kiosk mode.
  const kioskContext = await newContext({ viewport: SIZES.kiosk });
  const kiosk = await kioskContext.newPage();
  await kiosk.goto('/api/tickets/public');
  await expect(kiosk.locator('html')).toHaveAttribute('lang', 'fr');
  const take = kiosk.getByRole('button', { name: 'Prendre un ticket' });
  await expect(take).toBeVisible();
  const box = await take.boundingBox();
  expect(box!.width, 'the take button is big').toBeGreaterThan(500);
  expect(box!.height, 'the take button is big').toBeGreaterThan(300);
  await take.click();
  await kiosk.waitForURL(/\/api\/tickets\/follow\/\d{4}-\d{2}-\d{2}\/\d+\?(k=[0-9a-f]{32}&)?kiosk=1$/);
  const { day, n } = parseFollowUrl(kiosk.url());

  const number = kiosk.locator('.ticket-number');
  await expect(number).toHaveText(String(n));
  await expect(number).toHaveAttribute('aria-label', `Ticket numéro ${n}`);
  const fontSize = await number.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(fontSize, 'the number is shown large').toBeGreaterThanOrEqual(96);

  // People ahead and the wait, consistent with the JSON API.
  const info = await (await kioskContext.request.get(`/api/tickets/ticket/${n}`)).json();
  const state = kiosk.locator('[data-live="ticket-state"]');
  await expect(state).toHaveAttribute('data-status', 'waiting');
  const ahead = Number(await state.getAttribute('data-ahead'));
  expect(ahead).toBe(info.waiting_before);
  await expect(kiosk.locator('.ticket-ahead')).toHaveText(
    ahead === 0 ? 'Vous êtes le prochain.' : ahead === 1 ? '1 personne avant vous.' : `${ahead} personnes avant vous.`,
  );
  await expect(kiosk.locator('.ticket-wait')).toHaveText(/^Attente estimée : (aucune attente|moins d'une minute|≈ \d+ min|≈ \d+ h \d\d)$/);
  await expect(kiosk.getByRole('button', { name: 'Imprimer le ticket' })).toBeVisible();
  await expect(kiosk.getByRole('link', { name: 'Nouveau ticket' })).toBeVisible();

  // The QR code is drawn, and reads as the phone page's address; the link says the same.
  // The link carries the holder's key, which the kiosk's own address no longer shows (the
  // next person at the kiosk must not find it in the history).
  const key = new URL(`http://x${await kiosk.locator('.qr-caption a').getAttribute('href')}`).searchParams.get('k');
  expect(key, "the holder's key").toMatch(/^[0-9a-f]{32}$/);
  expect(new URL(kiosk.url()).searchParams.get('k'), 'no key in the kiosk\'s address').toBeNull();
  const phonePath = `/api/tickets/follow/${day}/${n}?k=${key}`;
  const qr = kiosk.getByRole('img', { name: 'Code QR pour suivre ce ticket sur un téléphone' });
  await expect(qr).toBeVisible();
  expect(await qr.evaluate((el) => el.tagName.toLowerCase())).toBe('svg');
  const png = PNG.sync.read(await qr.screenshot());
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  expect(decoded?.data, 'the QR code decodes').toBe(`http://127.0.0.1:18765${phonePath}`);
  const phoneLink = kiosk.locator('.qr-caption a');
  await expect(phoneLink).toHaveAttribute('href', phonePath);
  await expect(phoneLink).toHaveText(`http://127.0.0.1:18765${phonePath}`);

  // --- The phone page, opened from the link, stays open without reloading.
  const phoneContext = await newContext(PHONE);
  const phone = await phoneContext.newPage();
  await phone.goto((await phoneLink.getAttribute('href'))!);
  await expect(phone).toHaveURL(FOLLOW_RE);
  await expect(phone.locator('.ticket-number')).toHaveText(String(n));
  await expect(phone.locator('.ticket-ahead')).toBeVisible();
  await expect(phone.getByText('Cette page se met à jour toute seule. Gardez-la ouverte.')).toBeVisible();
  await expect(phone.getByRole('button', { name: 'Imprimer le ticket' })).toHaveCount(0);
  await expect(phone.getByRole('button', { name: 'Me prévenir quand c’est mon tour'.replace('’', "'") })).toBeVisible();
  await expect(phone.locator('.qr')).toHaveCount(0);
  await phone.evaluate(() => ((window as any).__notReloaded = true));

  // --- Staff: the console sends to sign-in first, then comes back.
  const console = await staff.newPage();
  await console.goto('/api/tickets/staff');
  await expect(console).toHaveURL(/\/api\/login\?next=/);
  await console.getByLabel('Mot de passe').fill('wrong');
  await console.getByRole('button', { name: 'Se connecter' }).click();
  await expect(console.getByRole('alert')).toHaveText('Identifiant ou mot de passe incorrect.');
  await console.getByLabel('Mot de passe').fill('e2e-password');
  await console.getByRole('button', { name: 'Se connecter' }).click();
  await expect(console).toHaveURL(/\/api\/tickets\/staff$/);
  await expect(console.getByRole('heading', { level: 1 })).toHaveText(/^Guichet \S+$/);

  // Work at our own desk.
  await console.getByLabel('Changer de guichet').fill(DESK);
  await console.getByRole('button', { name: 'Valider' }).click();
  await expect(console).toHaveURL(new RegExp(`desk=${DESK}`));
  await expect(console.getByRole('heading', { level: 1 })).toHaveText(`Guichet ${DESK}`);

  await callUntil(console, n);
  await expect(console.locator('[data-outcome]')).toHaveText(`Ticket ${n} appelé.`);
  await expect(console.locator('.big-number')).toHaveAttribute('data-current', String(n));
  await expect(console.locator('.big-number')).toHaveText(String(n));
  await expect(console.locator('.current .muted')).toHaveText(/^appelé à \d\d:\d\d:\d\d$/);

  // --- The dashboard shows it at the desk and in the log; the chart is drawn.
  const dash = await staff.newPage();
  await dash.goto('/api/dashboard');
  await expect(dash.getByRole('heading', { level: 1 })).toHaveText('Tableau de bord');
  const deskRow = dash.locator('[data-live="desks"] tbody tr').filter({ has: dash.locator(`th[data-desk="${DESK}"]`) });
  await expect(deskRow.locator('th')).toHaveText(`Guichet ${DESK}`);
  await expect(deskRow).toHaveCount(1);
  await expect(deskRow.locator('td').first()).toHaveText(String(n));
  await expect(deskRow.locator('td').nth(1)).toHaveText(/^\d\d:\d\d:\d\d$/);
  await expect(
    dash.locator('[data-live="logs"] li').filter({ hasText: new RegExp(`Appel · ticket ${n} · guichet ${DESK}$`) }),
  ).toHaveCount(1);
  await expect(
    dash.locator('[data-live="logs"] li').filter({ hasText: new RegExp(`Ticket pris · ticket ${n}$`) }),
  ).toHaveCount(1);
  const canvas = dash.locator('[data-chart-canvas] canvas').first();
  await expect(canvas).toBeVisible();
  expect(await canvas.evaluate((c: HTMLCanvasElement) => c.width)).toBeGreaterThan(300);
  expect(await plottedAboveZero(canvas), 'the chart draws a line above zero').toBeGreaterThan(5);

  // --- The phone, without reloading, says it is its turn at our desk.
  await expect(phone.locator('.ticket-called')).toHaveText(`C'est votre tour ! Rendez-vous au guichet ${DESK}`, { timeout: 10_000 });
  await expect(phone.locator('[data-live="ticket-state"]')).toHaveAttribute('data-status', 'in_progress');
  expect(await phone.evaluate(() => (window as any).__notReloaded)).toBe(true);

  // --- Recall, then finish.
  expect(await shortcut(console, 'r')).toBe(`Ticket ${n} rappelé.`);
  await expect(console.locator('.current .muted')).toHaveText(/· 1 rappel\(s\)$/);
  expect(await shortcut(console, 'f')).toBe(`Ticket ${n} terminé.`);
  await expect(console.locator('.big-number')).toHaveText('—');
  await expect(console.locator('.current .muted')).toHaveText('Aucun ticket à ce guichet.');
  expect(await shortcut(console, 'f')).toBe('Aucun ticket en cours à ce guichet.');
  await expect(phone.locator('.ticket-done')).toHaveText('Ticket terminé.', { timeout: 10_000 });
  expect(await phone.evaluate(() => (window as any).__notReloaded)).toBe(true);
  await expect(dash.locator('[data-live="logs"] li').filter({ hasText: new RegExp(`Rappel · ticket ${n} · guichet ${DESK}$`) })).toHaveCount(1, { timeout: 10_000 });
  await expect(dash.locator('[data-live="logs"] li').filter({ hasText: new RegExp(`Terminé · ticket ${n} · guichet ${DESK}$`) })).toHaveCount(1, { timeout: 10_000 });
  await expect(deskRow.locator('td').first()).toHaveText('—', { timeout: 10_000 });

  // --- A second ticket from the kiosk, called and marked as no-show (by a click).
  await kiosk.getByRole('link', { name: 'Nouveau ticket' }).click();
  await kiosk.getByRole('button', { name: 'Prendre un ticket' }).click();
  await kiosk.waitForURL(FOLLOW_RE);
  const second = parseFollowUrl(kiosk.url()).n;
  expect(second).toBeGreaterThan(n);
  await callUntil(console, second);
  expect(await click(console, /^Absent/)).toBe(`Ticket ${second} marqué absent.`);
  await expect(kiosk.locator('.ticket-done')).toHaveText('Ticket absent.', { timeout: 10_000 });

  // --- Close the day, then open it again; a kiosk left open follows live.
  await kiosk.goto('/api/tickets/public');
  await expect(kiosk.getByRole('button', { name: 'Prendre un ticket' })).toBeVisible();
  expect(await click(console, 'Fermer la journée')).toBe('Journée fermée : plus de nouveaux tickets ; la file reste appelable.');
  await expect(console.locator('.figures .badge')).toHaveText('fermée');
  await expect(kiosk.getByRole('button', { name: 'Prendre un ticket' })).toBeHidden({ timeout: 10_000 });
  await expect(kiosk.locator('.closed-sign')).toHaveText('Service fermé, revenez demain');
  expect(await click(console, 'Fermer la journée')).toBe('La journée était déjà fermée.');
  expect(await click(console, 'Ouvrir la journée')).toBe('Journée ouverte : les clients peuvent prendre un ticket.');
  await expect(console.locator('.figures .badge')).toHaveText('ouverte');
  await expect(kiosk.getByRole('button', { name: 'Prendre un ticket' })).toBeVisible({ timeout: 10_000 });
  await expect(kiosk.locator('.closed-sign')).toHaveCount(0);

  // --- Reset needs the confirmation: unticked, the browser does not even send it, and the
  // server refuses a post without it.
  const resetPosts: string[] = [];
  console.on('request', (r) => {
    if (r.method() === 'POST' && (r.postData() ?? '').includes('reset_day')) resetPosts.push(r.postData()!);
  });
  const resetButton = console.getByRole('button', { name: 'Remettre la journée à zéro' });
  const confirm = console.getByLabel("Je confirme : effacer tous les tickets du jour (l'historique les garde pour les rapports).");
  await expect(confirm).not.toBeChecked();
  await resetButton.click();
  expect(await confirm.evaluate((el: HTMLInputElement) => el.validity.valueMissing)).toBe(true);
  await console.waitForTimeout(300);
  expect(resetPosts, 'no reset sent without the confirmation').toEqual([]);
  expect((await staff.request.get(`/api/tickets/ticket/${second}`)).status()).toBe(200);
  const refused = await staff.request.post('/api/tickets/staff', { form: { action: 'reset_day', desk: DESK }, maxRedirects: 0 });
  expect(refused.headers()['location']).toContain('done=reset_unconfirmed');
  const refusedPage = await staff.newPage();
  await refusedPage.goto(refused.headers()['location']!);
  await expect(refusedPage.locator('[data-outcome]')).toHaveText('Cochez la confirmation pour remettre la journée à zéro.');
  await refusedPage.close();
  expect((await staff.request.get(`/api/tickets/ticket/${second}`)).status()).toBe(200);

  await confirm.check();
  const resetOutcome = await consoleAct(console, () => resetButton.click());
  expect(resetOutcome).toMatch(/^Journée remise à zéro : (\d+) ticket\(s\) effacé\(s\)\.$/);
  const removed = Number(/(\d+) ticket/.exec(resetOutcome)![1]);
  expect(removed).toBeGreaterThanOrEqual(second);
  await expect(confirm, 'the confirmation is unticked again').not.toBeChecked();
  await expect(console.locator('[data-queue-length]')).toHaveText('0');
  await expect(console.locator('.figures .badge')).toHaveText('fermée');
  const gone = await phone.goto(phonePath);
  expect(gone!.status()).toBe(404);
  await expect(phone.getByRole('heading', { level: 1 })).toHaveText('Ticket introuvable');

  // Leave the day open for whatever runs next.
  expect(await click(console, 'Ouvrir la journée')).toBe('Journée ouverte : les clients peuvent prendre un ticket.');
  await expect(console.locator('.figures .badge')).toHaveText('ouverte');
});
