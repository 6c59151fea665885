import { test, expect, signIn, ensureOpen, consoleAct, staffAction, takeTicket, SIZES } from './helpers';

test('resetting a day with no ticket, twice, keeps the console working and live', async ({ newContext }) => {
  const staff = await newContext({ viewport: SIZES.desktop });
  await signIn(staff);
  const console = await staff.newPage();
  await console.goto('/api/tickets/staff?desk=1');
  const resetButton = console.getByRole('button', { name: 'Remettre la journée à zéro' });
  const confirm = console.getByLabel("Je confirme : effacer tous les tickets du jour (l'historique les garde pour les rapports).");

  try {
    // The first reset empties the day (whatever other tests left); the second finds
    // nothing to remove.
    await confirm.check();
    expect(await consoleAct(console, () => resetButton.click())).toMatch(/^Journée remise à zéro : \d+ ticket\(s\) effacé\(s\)\.$/);
    await confirm.check();
    expect(await consoleAct(console, () => resetButton.click())).toBe('Journée remise à zéro : 0 ticket(s) effacé(s).');
    await expect(console.locator('[data-queue-length]')).toHaveText('0');
    await expect(console.locator('.figures .badge')).toHaveText('fermée');

    // The address the console now shows answers a console too (a reload keeps working).
    const again = await staff.request.get(console.url());
    expect(again.status(), console.url()).toBe(200);

    // Live updates go on: the day opened and a ticket taken elsewhere show up here.
    expect(await staffAction(staff, 'open_day')).toBe('opened');
    await expect(console.locator('.figures .badge')).toHaveText('ouverte', { timeout: 10_000 });
    const taken = await takeTicket(staff);
    await expect(console.locator('[data-queue-length]')).toHaveText('1', { timeout: 10_000 });
    await expect(console.locator('[data-next]')).toHaveText(String(taken.n), { timeout: 10_000 });
  } finally {
    await ensureOpen(staff);
  }
});
