/* The office of three services, a priority class and four desks (`office.toml`): the kiosk
 * with a button per service and the priority choice, the console calling a given ticket,
 * transferring and requeueing, the board announcing labels. */
import type { Page } from '@playwright/test';
import {
  test, expect, signIn, staffAction, consoleAct, takeFor, freshDay, OFFICE_URL, PHONE, SIZES,
} from './helpers';

test.use({ baseURL: OFFICE_URL });

const PRIORITY = 'Prioritaire (mobilité réduite, grossesse)';

/** Replaces the browser's speech with a recorder: `window.__said` lists what was said. */
async function recordSpeech(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const said: string[] = [];
    (window as any).__said = said;
    Object.defineProperty(window, 'speechSynthesis', {
      configurable: true,
      value: {
        speak(u: SpeechSynthesisUtterance) {
          if (u.text) said.push(u.text);
          setTimeout(() => u.onend && u.onend(new Event('end') as SpeechSynthesisEvent), 50);
        },
        getVoices() { return []; },
        cancel() {},
      },
    });
  });
}

test('a kiosk with three services: a big button each with its waiting count, a separate priority choice; a priority ticket shows its label and service', async ({ newContext }) => {
  test.setTimeout(90_000);
  const staff = await newContext({ viewport: SIZES.desktop });
  await signIn(staff);
  await freshDay(staff);
  await takeFor(staff, 'colis');
  await takeFor(staff, 'colis');

  const kioskContext = await newContext({ viewport: SIZES.kiosk });
  const kiosk = await kioskContext.newPage();
  await kiosk.goto('/api/tickets/public');
  await expect(kiosk.getByRole('heading', { level: 1 })).toHaveText('Bienvenue');
  await expect(kiosk.locator('button.service-button')).toHaveCount(3);
  const letters = kiosk.getByRole('button', { name: /^Courrier/ });
  const parcels = kiosk.getByRole('button', { name: /^Colis/ });
  const bank = kiosk.getByRole('button', { name: /^Banque/ });
  await expect(parcels).toContainText('2 personnes attendent');
  await expect(letters).toContainText("Personne n'attend");
  for (const b of [letters, parcels, bank]) {
    const box = (await b.boundingBox())!;
    expect(box.width, 'a service button is big').toBeGreaterThan(600);
    expect(box.height, 'a service button is big').toBeGreaterThan(150);
  }
  // The priority choice: only for letters, its own smaller button under it, another look.
  await expect(kiosk.locator('button[name="priority"]')).toHaveCount(1);
  const priority = kiosk.getByRole('button', { name: `${PRIORITY} pour Courrier` });
  await expect(priority).toBeVisible();
  const [main, prio] = [(await letters.boundingBox())!, (await priority.boundingBox())!];
  expect(prio.y, 'under the service button').toBeGreaterThan(main.y + main.height);
  expect(prio.height, 'smaller than the service button').toBeLessThan(main.height);
  expect(prio.height, 'still easy to touch').toBeGreaterThanOrEqual(64);
  const colour = (l: typeof letters) => l.evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(await colour(priority)).not.toBe(await colour(letters));

  // The counts follow the queue live.
  await takeFor(staff, 'colis');
  await expect(parcels).toContainText('3 personnes attendent');

  // A priority ticket: its label big, its service and class, first in line.
  await priority.click();
  await kiosk.waitForURL(/\/api\/tickets\/follow\/\d{4}-\d{2}-\d{2}\/\d+\?(k=[0-9a-f]{32}&)?kiosk=1$/);
  await expect(kiosk.locator('.ticket-number')).toHaveText('A001');
  await expect(kiosk.locator('.ticket-number')).toHaveAttribute('aria-label', 'Ticket numéro A001');
  await expect(kiosk.locator('[data-service-name]')).toHaveText('Courrier');
  await expect(kiosk.locator('.ticket-service .badge-priority')).toHaveText(PRIORITY);
  await expect(kiosk.locator('.ticket-ahead')).toHaveText('Vous êtes le prochain.');
  await expect(kiosk).toHaveTitle('Ticket A001 · Tickets');
  // The printed ticket keeps the label and the service.
  await kiosk.emulateMedia({ media: 'print' });
  await expect(kiosk.locator('.ticket-number')).toBeVisible();
  await expect(kiosk.locator('.ticket-service')).toBeVisible();
  await expect(kiosk.locator('.ticket-actions')).toBeHidden();
  await kiosk.emulateMedia({ media: 'screen' });

  // A letters ticket without priority, followed on a phone: the priority one is ahead.
  const normal = await takeFor(staff, 'courrier');
  expect(normal.label).toBe('A002');
  const phone = await (await newContext(PHONE)).newPage();
  await phone.goto(`/api/tickets/follow/${normal.day}/${normal.n}`);
  await expect(phone.locator('.ticket-number')).toHaveText('A002');
  const ahead = phone.locator('.ticket-ahead');
  await expect(ahead).toHaveText('1 personne avant vous.');
  await phone.evaluate(() => ((window as any).__notReloaded = true));
  // Another priority ticket goes before it; a call at desk 1 takes the first priority one.
  await takeFor(staff, 'courrier', 'prioritaire');
  await expect(ahead).toHaveText('2 personnes avant vous.');
  expect(await staffAction(staff, 'call_next', '1')).toBe('called');
  await expect(ahead).toHaveText('1 personne avant vous.');
  expect(await staffAction(staff, 'call_next', '2')).toBe('called');
  await expect(ahead).toHaveText('Vous êtes le prochain.');
  // Desk 4 would call the oldest parcel next; it calls this one out of turn.
  expect(await staffAction(staff, 'call_ticket', '4', { ticket: String(normal.n) })).toBe('called');
  await expect(phone.locator('.ticket-called')).toHaveText("C'est votre tour ! Rendez-vous au Guichet 4");
  expect(await phone.evaluate(() => (window as any).__notReloaded)).toBe(true);

  // In English: the services' and the class's names from the configuration.
  const english = await (await newContext({ viewport: SIZES.kiosk, locale: 'en-GB' })).newPage();
  await english.goto('/api/tickets/public');
  await expect(english.getByRole('button', { name: /^Parcels/ })).toContainText('3 people waiting');
  await expect(english.getByRole('button', { name: 'Priority (reduced mobility, pregnancy) for Letters' })).toBeVisible();
});

test('the console: the desk’s services and queue; call a given ticket, transfer it, requeue a no-show, by the keyboard', async ({ newContext }) => {
  test.setTimeout(90_000);
  const staff = await newContext({ viewport: SIZES.desktop });
  await signIn(staff);
  await freshDay(staff);
  const a1 = await takeFor(staff, 'courrier');
  await takeFor(staff, 'colis');
  await takeFor(staff, 'banque');
  const b2 = await takeFor(staff, 'colis');
  expect([a1.label, b2.label]).toEqual(['A001', 'B002']);

  const console = await staff.newPage();
  await console.goto('/api/tickets/staff?desk=1');
  await expect(console.getByRole('heading', { level: 1 })).toHaveText('Guichet 1');
  // Desk 1 serves letters and parcels: their counts, their tickets, not banking's.
  const services = console.getByRole('list', { name: 'Services de ce guichet' });
  await expect(services.locator('li')).toHaveCount(2);
  await expect(console.locator('[data-service-waiting="courrier"]')).toHaveText('1');
  await expect(console.locator('[data-service-waiting="colis"]')).toHaveText('2');
  const rows = console.locator('.waiting-table tbody tr');
  await expect(rows.locator('th')).toHaveText([/^A001/, /^B001/, /^B002/]);
  await expect(rows.first()).toHaveClass(/is-next/);

  // Call B002 out of turn, from the keyboard: focus its button, Enter.
  await console.getByRole('button', { name: 'Appeler B002' }).focus();
  expect(await consoleAct(console, () => console.keyboard.press('Enter'))).toBe('Ticket B002 appelé.');
  await expect(console.locator('.big-number')).toHaveText('B002');
  await expect(console.locator('.current-service')).toHaveText('Colis');
  await expect(rows.locator('th')).toHaveText([/^A001/, /^B001/]);

  // A phone following B002 sees where it goes.
  const phone = await (await newContext(PHONE)).newPage();
  await phone.goto(`/api/tickets/follow/${b2.day}/${b2.n}`);
  await expect(phone.locator('.ticket-called')).toHaveText("C'est votre tour ! Rendez-vous au Guichet 1");

  // Transfer it to banking, at the front: T goes to the form.
  await console.keyboard.press('t');
  const ticket = console.getByLabel('Ticket', { exact: true });
  await expect(ticket).toBeFocused();
  await expect(ticket.locator('option:checked')).toHaveText('B002 — en cours à ce guichet');
  await console.getByLabel('Vers le service').selectOption({ label: 'Banque' });
  await console.getByLabel('Place dans sa file').selectOption({ label: 'en tête de file' });
  await console.getByRole('button', { name: 'Transférer', exact: true }).focus();
  // A live update meanwhile (a parcel taken) keeps what was chosen, and the focus.
  await takeFor(staff, 'colis');
  await expect(console.locator('[data-service-waiting="colis"]')).toHaveText('2');
  await expect(console.getByLabel('Vers le service').locator('option:checked')).toHaveText('Banque');
  await expect(console.getByLabel('Place dans sa file').locator('option:checked')).toHaveText('en tête de file');
  await expect(console.getByRole('button', { name: 'Transférer', exact: true })).toBeFocused();
  expect(await consoleAct(console, () => console.keyboard.press('Enter'))).toBe('Ticket B002 transféré vers « Banque ».');
  await expect(console.locator('.big-number')).toHaveText('—');
  await expect(phone.locator('[data-service-name]')).toHaveText('Banque');
  await expect(phone.locator('.ticket-ahead')).toHaveText('Vous êtes le prochain.');
  await expect(phone.locator('.ticket-number')).toHaveText('B002');

  // Desk 3 (banking first) has it at the head of its list and calls it with N.
  const desk3 = await staff.newPage();
  await desk3.goto('/api/tickets/staff?desk=3');
  await expect(desk3.getByRole('heading', { level: 1 })).toHaveText('Guichet 3');
  await expect(desk3.locator('.waiting-table tbody tr').first().locator('th')).toHaveText(/^B002\s*prochain/);
  expect(await consoleAct(desk3, () => desk3.keyboard.press('n'))).toBe('Ticket B002 appelé.');
  expect(await consoleAct(desk3, () => desk3.keyboard.press('a'))).toBe('Ticket B002 marqué absent.');
  // The no-show is offered back: put it back in its queue.
  const back = desk3.getByRole('button', { name: 'Remettre en file B002' });
  await expect(back).toBeVisible();
  expect(await consoleAct(desk3, () => back.click())).toBe('Ticket B002 remis dans la file.');
  // Back at its arrival place: after C001 in banking; the oldest parcel is next.
  await expect(desk3.locator('.waiting-table tbody th')).toHaveText([/^C001/, /^B002/, /^B001\s*prochain/, /^B003/]);
  await expect(desk3.getByText('Aucun absent à remettre en file.')).toBeVisible();

  // The first console followed live, without a reload.
  await expect(console.locator('[data-service-waiting="colis"]')).toHaveText('2');
  await expect(console.locator('[data-service-waiting="courrier"]')).toHaveText('1');
});

test('without JavaScript: a priority ticket at the kiosk, a given ticket called and transferred at the console', async ({ newContext }) => {
  const setup = await newContext();
  await signIn(setup);
  await freshDay(setup);
  await takeFor(setup, 'colis');

  const kiosk = await (await newContext({ javaScriptEnabled: false, viewport: SIZES.kiosk })).newPage();
  await kiosk.goto('/api/tickets/public');
  await kiosk.getByRole('button', { name: `${PRIORITY} pour Courrier` }).click();
  await kiosk.waitForURL(/[?&]kiosk=1$/);
  await expect(kiosk.locator('.ticket-number')).toHaveText('A001');
  await expect(kiosk.locator('.badge-priority')).toHaveText(PRIORITY);

  const staff = await newContext({ javaScriptEnabled: false, viewport: SIZES.desktop });
  await signIn(staff);
  const console = await staff.newPage();
  await console.goto('/api/tickets/staff?desk=2');
  await console.getByRole('button', { name: 'Appeler B001' }).click();
  await expect(console).toHaveURL(/done=called&desk=2&n=\d+$/);
  await expect(console.locator('[data-outcome]')).toHaveText('Ticket B001 appelé.');
  await console.getByLabel('Vers le service').selectOption({ label: 'Courrier' });
  await console.getByRole('button', { name: 'Transférer', exact: true }).click();
  await expect(console).toHaveURL(/done=transferred&desk=2&n=\d+&to=courrier$/);
  await expect(console.locator('[data-outcome]')).toHaveText('Ticket B001 transféré vers « Courrier ».');
  // The priority ticket, then B001 by its arrival, in the letters' queue.
  await expect(console.locator('.waiting-table tbody th')).toHaveText([/^A001/, /^B001/]);
});

test('the display board shows "B002 → Guichet 3" and says the label as people read it', async ({ newContext }) => {
  const staff = await newContext();
  await signIn(staff);
  await freshDay(staff);
  await takeFor(staff, 'courrier');
  await takeFor(staff, 'colis');
  const b2 = await takeFor(staff, 'colis');

  const boards: Page[] = [];
  for (const locale of ['fr-FR', 'en-GB']) {
    const board = await (await newContext({ viewport: { width: 1920, height: 1080 }, locale })).newPage();
    await recordSpeech(board);
    await board.goto('/api/tickets/display');
    await board.locator('[data-enable-sound]').click();
    await expect(board.locator('[data-enable-sound]')).toHaveAttribute('aria-pressed', 'true');
    boards.push(board);
  }
  const [fr, en] = boards;
  // Give the streams a moment to connect before the call.
  await expect.poll(() => fr.evaluate(() => (window as any).Tickets.source?.readyState)).toBe(1);
  await expect.poll(() => en.evaluate(() => (window as any).Tickets.source?.readyState)).toBe(1);

  const res = await staff.request.post('/api/tickets/staff', {
    form: { action: 'call_ticket', desk: '3', ticket: String(b2.n) },
    maxRedirects: 0,
  });
  expect(res.headers()['location']).toContain('done=called');
  await expect(fr.locator('[data-now-number]')).toHaveText('B002', { timeout: 10_000 });
  await expect(fr.locator('[data-now-desk]')).toHaveText('Guichet 3');
  await expect(fr.locator('.now-desk')).toHaveText('→ Guichet 3');
  await expect.poll(() => fr.evaluate(() => (window as any).__said)).toContain('Ticket B 2, Guichet 3');
  await expect(en.locator('[data-now-desk]')).toHaveText('Desk 3');
  await expect.poll(() => en.evaluate(() => (window as any).__said)).toContain('Ticket B 2, Desk 3');
  await expect(fr.locator('[data-calls] tr').first()).toContainText('B002');
  await expect(fr.locator('[data-calls] tr').first()).toContainText('Guichet 3');

  // Call next at desk 1 (letters first), then a recall: each said in turn.
  expect(await staffAction(staff, 'call_next', '1')).toBe('called');
  await expect(fr.locator('[data-now-number]')).toHaveText('A001');
  await expect.poll(() => fr.evaluate(() => (window as any).__said)).toContain('Ticket A 1, Guichet 1');
  expect(await staffAction(staff, 'recall', '1')).toBe('recalled');
  await expect.poll(() => fr.evaluate(() => (window as any).__said)).toContain('Rappel : ticket A 1, Guichet 1');
  // A fresh board shows the same from the server.
  const fresh = await (await newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
  await fresh.goto('/api/tickets/display');
  await expect(fresh.locator('[data-now-number]')).toHaveText('A001');
  await expect(fresh.locator('[data-calls] tr')).toHaveCount(2);
  await expect(fresh.locator('[data-board-service="colis"]')).toHaveText('1');
});

test('a service closed in the configuration leaves the kiosks that show it, without a reload by hand', async ({ newContext }) => {
  const staff = await newContext();
  await signIn(staff);
  await freshDay(staff);
  const kiosk = await (await newContext({ viewport: SIZES.kiosk })).newPage();
  await kiosk.goto('/api/tickets/public');
  await expect(kiosk.getByRole('button', { name: /^Banque/ })).toBeVisible();
  await expect.poll(() => kiosk.evaluate(() => (window as any).Tickets.source?.readyState)).toBe(1);

  const read = await staff.request.get('/api/config');
  expect(read.status()).toBe(200);
  const original = await read.json();
  const put = (config: unknown) =>
    staff.request.put('/api/config', { data: config, headers: { 'Content-Type': 'application/json' } });
  try {
    const closed = JSON.parse(JSON.stringify(original));
    closed.services.find((s: { code: string }) => s.code === 'banque').open = false;
    expect((await put(closed)).status()).toBe(200);
    // The kiosk loads itself again: banking is shown closed, with no button.
    await expect(kiosk.locator('[data-service="banque"]')).toHaveClass(/is-closed/, { timeout: 10_000 });
    await expect(kiosk.getByRole('button', { name: /^Banque/ })).toHaveCount(0);
    await expect(kiosk.locator('[data-service="banque"]')).toContainText("Fermé aujourd'hui");
    await expect(kiosk.locator('button.service-button')).toHaveCount(2);
  } finally {
    expect((await put(original)).status()).toBe(200);
  }
  await expect(kiosk.getByRole('button', { name: /^Banque/ })).toBeVisible({ timeout: 10_000 });
});
