import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { test, expect, signIn, ensureOpen, SIZES } from './helpers';

test('printing the kiosk ticket keeps only the ticket: number, state, QR code', async ({ newContext }) => {
  const context = await newContext({ viewport: SIZES.kiosk });
  await signIn(context);
  await ensureOpen(context);
  const page = await context.newPage();
  await page.goto('/api/tickets/public');
  await page.getByRole('button', { name: 'Prendre un ticket' }).click();
  await page.waitForURL(/[?&]kiosk=1$/);

  // The print button calls window.print().
  await page.evaluate(() => {
    (window as any).__printed = 0;
    window.print = () => { (window as any).__printed++; };
  });
  await page.getByRole('button', { name: 'Imprimer le ticket' }).click();
  expect(await page.evaluate(() => (window as any).__printed)).toBe(1);

  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.topbar')).toBeHidden();
  await expect(page.locator('.ticket-actions')).toBeHidden();
  await expect(page.locator('.ticket-number')).toBeVisible();
  await expect(page.locator('.ticket-state')).toBeVisible();
  const qr = page.getByRole('img', { name: /Code QR/ });
  await expect(qr).toBeVisible();
  // 34 mm wide on the 80 mm receipt (96 px per inch).
  const width = (await qr.boundingBox())!.width;
  expect(width).toBeGreaterThan(120);
  expect(width).toBeLessThan(140);
  // The ticket fits the 72 mm printable width.
  const ticket = (await page.locator('.ticket-print').boundingBox())!;
  expect(ticket.width).toBeLessThanOrEqual(273);
  const out = resolve(__dirname, '..', 'screenshots');
  mkdirSync(out, { recursive: true });
  await page.locator('.ticket-print').screenshot({ path: resolve(out, 'ticket-fr-print.png') });
});
