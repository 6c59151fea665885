import { test, expect, signIn, SIZES } from './helpers';

/** A kiosk and a display board left open follow a change of the office's name: they
 * reload by themselves when the office configuration changes. */
test('an open kiosk and board show the office’s new name by themselves', async ({ newContext }) => {
  const admin = await newContext();
  await signIn(admin);
  const config = await (await admin.request.get('/api/config')).json();
  const kiosk = await (await newContext({ viewport: SIZES.kiosk })).newPage();
  await kiosk.goto('/api/tickets/public');
  const board = await (await newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
  await board.goto('/api/tickets/display');
  await kiosk.evaluate(() => ((window as any).__before = true));
  const name = `Bureau de test ${Date.now().toString(36)}`;
  try {
    const res = await admin.request.put('/api/config', {
      data: { ...config, settings: { ...config.settings, name } },
    });
    expect(res.status(), await res.text()).toBe(200);
    await expect(kiosk.getByText(name).first()).toBeVisible({ timeout: 10_000 });
    await expect(board.locator('.board-office')).toHaveText(name, { timeout: 10_000 });
    await expect(kiosk).toHaveTitle(new RegExp(name));
    // It was a reload, not a page opened again by hand.
    expect(await kiosk.evaluate(() => (window as any).__before)).toBeUndefined();
  } finally {
    const back = await admin.request.put('/api/config', { data: config });
    expect(back.status(), 'the office is put back').toBe(200);
  }
});
