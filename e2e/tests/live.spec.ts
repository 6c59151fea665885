import { test, expect, signIn, ensureOpen, takeTicket, consoleAct, PHONE, SIZES } from './helpers';

test('a call at the console appears on the display board and the ticket page without reload', async ({ newContext }) => {
  const staffContext = await newContext({ viewport: SIZES.desktop });
  await signIn(staffContext);
  await ensureOpen(staffContext);
  // Side by side: the kiosk, the board, the console, and a phone following a ticket.
  const kiosk = await (await newContext({ viewport: SIZES.kiosk })).newPage();
  await kiosk.goto('/api/tickets/public');
  const board = await (await newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
  await board.goto('/api/tickets/display');
  const console_ = await staffContext.newPage();
  await console_.goto('/api/tickets/staff?desk=L5');

  // Take at the kiosk: the phone page follows that ticket.
  await kiosk.getByRole('button', { name: 'Prendre un ticket' }).click();
  await kiosk.waitForURL(/[?&]kiosk=1$/);
  const phone = await (await newContext(PHONE)).newPage();
  await phone.goto(kiosk.url().replace(/[?&]kiosk=1$/, ''));
  const n = Number(await phone.locator('.ticket-number').innerText());
  const state = phone.locator('[data-live="ticket-state"]');
  await expect(state).toContainText(/avant vous|prochain/);

  // The console calls until it is this ticket; the others see it live.
  await console_.bringToFront();
  for (let i = 0; i < 100; i++) {
    const outcome = await consoleAct(console_, () => console_.keyboard.press('n'));
    if (outcome.includes(`Ticket ${n} appelé`) || outcome.includes('Aucun')) break;
  }
  await expect(console_.locator('[data-current]')).toHaveAttribute('data-current', String(n));
  await expect(board.locator('[data-now-number]')).toHaveText(String(n), { timeout: 15_000 });
  await expect(board.locator('[data-now-desk]')).toHaveText('Guichet L5');
  await expect(board.locator('[data-calls]')).toContainText('L5');
  await expect(state).toContainText('guichet L5');
  await expect(state).toHaveAttribute('data-status', 'in_progress');

  // A new ticket at the kiosk moves the kiosk's count and the board's queue length live.
  const before = Number(await board.locator('[data-queue-length]').innerText());
  await takeTicket(staffContext);
  await expect(board.locator('[data-queue-length]')).toHaveText(String(before + 1));
  await kiosk.goto('/api/tickets/public');
  const waiting = kiosk.locator('[data-live="kiosk-state"]');
  const text = await waiting.innerText();
  await takeTicket(staffContext);
  await expect(waiting).not.toHaveText(text);
});

test('a page that lost its stream shows the right state once reconnected', async ({ newContext }) => {
  const staffContext = await newContext();
  await signIn(staffContext);
  await ensureOpen(staffContext);
  const t = await takeTicket(staffContext);
  const boardContext = await newContext({ viewport: { width: 1920, height: 1080 } });
  const board = await boardContext.newPage();
  await board.goto('/api/tickets/display');
  const phoneContext = await newContext(PHONE);
  const phone = await phoneContext.newPage();
  await phone.goto(`/api/tickets/follow/${t.day}/${t.n}`);
  await expect(board.locator('[data-connection]')).toBeHidden();

  // Cut the network of both pages, act meanwhile, then bring it back.
  await boardContext.setOffline(true);
  await phoneContext.setOffline(true);
  await board.evaluate(() => (window as any).Tickets.source.close());
  await phone.evaluate(() => (window as any).Tickets.source.close());
  await board.evaluate(() => (window as any).Tickets.source.onerror());
  await phone.evaluate(() => (window as any).Tickets.source.onerror());
  await expect(board.locator('[data-connection]')).toBeVisible();
  const before = Number(await board.locator('[data-queue-length]').innerText());
  await takeTicket(staffContext);
  await takeTicket(staffContext);
  // Call until our ticket is at a desk.
  for (let i = 0; i < 100; i++) {
    const res = await staffContext.request.post('/api/tickets/staff', { form: { action: 'call_next', desk: 'R9' }, maxRedirects: 0 });
    const done = new URL(res.headers()['location'], 'http://x').searchParams;
    if (done.get('n') === String(t.n) || done.get('done') !== 'called') break;
  }
  await boardContext.setOffline(false);
  await phoneContext.setOffline(false);

  // Reconnected: the current state first, so nothing is lost.
  await expect(board.locator('[data-connection]')).toBeHidden({ timeout: 15_000 });
  await expect(phone.locator('[data-live="ticket-state"]')).toContainText('guichet R9', { timeout: 15_000 });
  await expect(board.locator('[data-calls]')).toContainText('R9');
  const after = Number(await board.locator('[data-queue-length]').innerText());
  expect(after).not.toBe(before);
});
