import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Locator } from '@playwright/test';
import { test, expect, signIn, seriousViolations, docScreenshot, SIZES, PHONE } from './helpers';

async function decode(qr: Locator): Promise<string | undefined> {
  const png = PNG.sync.read(await qr.screenshot());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

/** With taking a ticket by phone turned on, the kiosk and the door poster show a QR code
 * of the kiosk's page, which a phone opens to take its ticket. */
test('the kiosk and the door poster lead a phone to take its ticket', async ({ newContext }) => {
  const admin = await newContext();
  await signIn(admin);
  const config = await (await admin.request.get('/api/config')).json();
  try {
    const on = await admin.request.put('/api/config', {
      data: { ...config, settings: { ...config.settings, phone_take: true } },
    });
    expect(on.status(), await on.text()).toBe(200);
    await admin.request.post('/api/tickets/start-day');

    const kiosk = await (await newContext({ viewport: SIZES.kiosk })).newPage();
    await kiosk.goto('/api/tickets/public');
    const small = kiosk.locator('.phone-take svg');
    await expect(small).toBeVisible();
    expect(await decode(small), 'the kiosk QR code decodes').toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/tickets\/public$/);
    await docScreenshot(kiosk, 'kiosk-phone-take.png');

    const door = await (await newContext({ viewport: { width: 900, height: 1200 } })).newPage();
    await door.goto('/api/tickets/door');
    await expect(door.getByRole('heading', { level: 1 })).toHaveText('Prenez votre ticket avec votre téléphone');
    const big = door.locator('.door-qr svg');
    const url = await decode(big);
    expect(url, 'the poster QR code decodes').toMatch(/\/api\/tickets\/public$/);
    expect(await seriousViolations(door)).toEqual([]);
    await docScreenshot(door, 'door-poster.png');

    // The phone follows the code: the kiosk's page, where it takes a ticket.
    const phone = await (await newContext(PHONE)).newPage();
    await phone.goto(url!);
    await expect(phone.locator('.phone-take')).toBeHidden();
    await phone.locator('button.take-button').first().click();
    await expect(phone).toHaveURL(/\/api\/tickets\/follow\/\d{4}-\d{2}-\d{2}\/\d+\?k=[0-9a-f]{32}/);
    await expect(phone.locator('.ticket-number')).toBeVisible();
  } finally {
    const back = await admin.request.put('/api/config', { data: config });
    expect(back.status(), 'the office is put back').toBe(200);
  }
});
