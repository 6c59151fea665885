import { test, expect, signIn, takeFor, freshDay, docScreenshot, OFFICE_URL } from './helpers';

test.use({ baseURL: OFFICE_URL });

/** Counts the console's chimes: staff.js marks each on the body (the sound itself cannot
 * be heard here). */
function chimes(page: import('@playwright/test').Page): Promise<number> {
  return page.evaluate(() => parseInt(document.body.getAttribute('data-chimed') || '0', 10));
}

test('the console chimes and says when an empty queue gets a customer, and when a wait passes its target', async ({ newContext }) => {
  const staff = await newContext();
  await signIn(staff);
  await freshDay(staff);
  const page = await staff.newPage();
  await page.clock.install();
  // Desk 3 serves Banking (no target) and Parcels (15 min).
  await page.goto('/api/tickets/staff?desk=3');
  const settings = page.locator('[data-chimes]');
  await expect(settings).toBeVisible();
  const alert = page.locator('[data-chime-alert]');
  await expect(alert).toBeHidden();
  expect(await chimes(page)).toBe(0);

  // The first customer in an empty queue: a chime and the words.
  const parcel = await takeFor(staff, 'colis');
  await expect(alert).toBeVisible();
  await expect(alert).toHaveText(`Un client attend : ${parcel.label}.`);
  expect(await chimes(page)).toBe(2);
  // A second one is no news.
  await takeFor(staff, 'banque');
  await expect(page.locator('[data-service-waiting="banque"]')).toHaveText('1');
  expect(await chimes(page)).toBe(2);

  // Sixteen minutes later the parcel has waited past its service's 15 minutes.
  await page.clock.fastForward('16:00');
  const row = page.locator(`tr[data-label="${parcel.label}"]`);
  await expect(row).toHaveClass(/is-late/);
  await expect(row.locator('[data-late]')).toBeVisible();
  await expect(alert).toHaveText(`${parcel.label} attend au-delà de l'objectif de son service.`);
  expect(await chimes(page)).toBe(3);
  await docScreenshot(page, 'console-chime.png');

  // Turned off, and remembered: the next first customer is shown, but not chimed.
  await page.getByLabel('quand un client arrive dans une file vide').uncheck();
  await page.close();
  // Another console of the same browser, its clock back to the real time.
  const again = await staff.newPage();
  await again.clock.setSystemTime(new Date());
  await again.goto('/api/tickets/staff?desk=3');
  await expect(again.getByLabel('quand un client arrive dans une file vide')).not.toBeChecked();
  await expect(again.getByLabel("quand une attente dépasse l'objectif du service")).toBeChecked();
  await freshDay(staff);
  await expect(again.locator('[data-service-waiting="colis"]')).toHaveText('0');
  await takeFor(staff, 'colis');
  await expect(again.locator('[data-service-waiting="colis"]')).toHaveText('1');
  await again.waitForTimeout(300);
  expect(await chimes(again), await again.locator('[data-chime-alert]').evaluate((e) => e.getAttribute('data-kind') + ': ' + e.textContent)).toBe(0);
});
