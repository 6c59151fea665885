import { test, expect, signIn, ensureOpen, SIZES } from './helpers';

test('a closed day: the kiosk says so and offers no button; reopening brings it back', async ({ newContext }) => {
  // The console without JavaScript (plain form posts): this test is about the kiosk, and
  // the console's background sending is covered by the flow test.
  const staff = await newContext({ viewport: SIZES.desktop, javaScriptEnabled: false });
  await signIn(staff);
  await ensureOpen(staff);
  const console = await staff.newPage();
  await console.goto('/api/tickets/staff');
  await expect(console.locator('.figures .badge')).toHaveText('ouverte');

  const kioskContext = await newContext({ viewport: SIZES.kiosk });
  const kiosk = await kioskContext.newPage();
  await kiosk.goto('/api/tickets/public');
  await expect(kiosk.getByRole('button', { name: 'Prendre un ticket' })).toBeVisible();
  await expect(kiosk.locator('.closed-sign')).toHaveCount(0);

  try {
    await console.getByRole('button', { name: 'Fermer la journée' }).click();
    await expect(console).toHaveURL(/done=closed/);
    await expect(console.locator('[data-outcome]')).toHaveText('Journée fermée : plus de nouveaux tickets ; la file reste appelable.');
    await expect(console.locator('.figures .badge')).toHaveText('fermée');

    // A kiosk loaded now: the sign, and no button at all.
    const fresh = await kioskContext.newPage();
    await fresh.goto('/api/tickets/public');
    await expect(fresh.locator('.closed-sign')).toHaveText('Service fermé, revenez demain');
    await expect(fresh.locator('.closed-sign')).toBeVisible();
    await expect(fresh.getByRole('button')).toHaveCount(0);
    expect((await (await kioskContext.request.get('/api/tickets/status')).json()).open).toBe(false);

    // The kiosk that was already showing the button hides it by itself (live refresh).
    await expect(kiosk.locator('.take-button')).toBeHidden({ timeout: 10_000 });
    await expect(kiosk.locator('.closed-sign')).toBeVisible();

    // A form sent from a stale page (or a double tap) is refused with the same words.
    const late = await kioskContext.request.post('/api/tickets/public', {
      form: { idempotency_key: `kiosk-late-${Date.now()}` },
      maxRedirects: 0,
    });
    expect(late.status()).toBe(303);
    expect(late.headers()['location']).toBe('/api/tickets/public?closed=1');
    await fresh.goto(late.headers()['location']!);
    await expect(fresh.getByRole('alert')).toHaveText('Service fermé, revenez demain');

    // Reopen: the waiting kiosk gets its button back without a reload.
    await console.getByRole('button', { name: 'Ouvrir la journée' }).click();
    await expect(console).toHaveURL(/done=opened/);
    await expect(console.locator('[data-outcome]')).toHaveText('Journée ouverte : les clients peuvent prendre un ticket.');
    await expect(kiosk.getByRole('button', { name: 'Prendre un ticket' })).toBeVisible({ timeout: 10_000 });
    await expect(kiosk.locator('.closed-sign')).toHaveCount(0);
    await expect(kiosk.locator('.kiosk-waiting')).toHaveText(/attend|Personne n'attend/);
  } finally {
    await ensureOpen(staff);
  }
});
