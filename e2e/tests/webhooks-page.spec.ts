import type { BrowserContext, Page } from '@playwright/test';
import { test, expect, signIn, seriousViolations, SIZES, PHONE } from './helpers';

/** Removes, through the API, the hooks this test added (when it stopped half-way). */
async function removeHooks(context: BrowserContext, marker: string): Promise<void> {
  const list = await (await context.request.get('/api/webhooks')).json();
  for (const hook of list.webhooks as { id: string; url: string }[]) {
    if (hook.url.includes(marker)) await context.request.delete(`/api/webhooks/${hook.id}`);
  }
}

/** Presses Tab until `target` has the focus (at most 40 times). */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if (await page.locator(selector).evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** The administrator adds a webhook with the keyboard only: a private address is refused
 * next to the field, a public one is added and its secret shown once; then it is removed.
 * Each state of the page passes axe-core. (The server under test allows public addresses
 * only, and its worker would POST events to the hook: it asks for `end_day` alone and is
 * removed at the end.) */
test('a webhook is added with the keyboard, its secret shown once, and removed', async ({ newContext }) => {
  const marker = `e2e-${Date.now().toString(36)}`;
  const url = `https://93.184.216.34/hooks/${marker}`;
  const admin = await newContext({ viewport: SIZES.desktop, bypassCSP: true });
  await signIn(admin);
  const page = await admin.newPage();
  try {
    await page.goto('/api/admin/webhooks');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Webhooks');
    await expect(page.getByRole('link', { name: 'Webhooks' })).toHaveAttribute('aria-current', 'page');
    expect(await seriousViolations(page), 'axe: the webhooks page').toEqual([]);

    // A private address: refused next to the field, which gets the focus back.
    const field = page.getByLabel('Adresse qui reçoit les événements');
    await field.focus();
    await page.keyboard.type('http://127.0.0.1:9/hook');
    await page.keyboard.press('Enter');
    await expect(page.locator('#create-url-error')).toContainText('adresse privée ou locale');
    await expect(field).toBeFocused();
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveValue('http://127.0.0.1:9/hook');
    expect(await seriousViolations(page), 'axe: the refusal').toEqual([]);

    // A public one, the event "Journée fermée" ticked with the space bar, sent with Enter.
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(url);
    await tabTo(page, 'input[name="events"][value="end_day"]');
    await page.keyboard.press('Space');
    await expect(page.getByLabel(/Journée fermée/)).toBeChecked();
    await tabTo(page, 'form.admin-form button[type="submit"]');
    await page.keyboard.press('Enter');

    // The secret, shown once, focused for copying; the signature explained.
    await expect(page.getByRole('heading', { name: 'Copiez ce secret maintenant' })).toBeVisible();
    const secret = page.locator('#secret-value');
    await expect(secret).toBeFocused();
    const value = await secret.inputValue();
    expect(value).toMatch(/^whsec_[0-9a-f]{48}$/);
    await expect(page.getByRole('button', { name: 'Copier le secret' })).toBeVisible();
    await expect(page.locator('.secret')).toContainText('X-Tickets-Signature');
    await expect(page.locator('.secret')).toContainText('docs/webhooks.md');
    const row = page.getByRole('row', { name: new RegExp(marker) });
    await expect(row).toContainText('end_day');
    expect(await seriousViolations(page), 'axe: the new secret').toEqual([]);

    // Not shown again.
    await page.goto('/api/admin/webhooks');
    await expect(page.locator('#secret-value')).toHaveCount(0);
    expect(await page.content()).not.toContain(value);

    // Removed with the keyboard: the row's button names the hook.
    const remove = page.getByRole('button', { name: `Retirer le webhook vers ${url}` });
    await remove.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('status')).toContainText('retiré');
    await expect(page.getByRole('row', { name: new RegExp(marker) })).toHaveCount(0);
  } finally {
    await removeHooks(admin, marker);
  }

  // In English and on a phone, the page is accessible too.
  const phone = await newContext({ ...PHONE, locale: 'en-GB', bypassCSP: true });
  await signIn(phone);
  const small = await phone.newPage();
  await small.goto('/api/admin/webhooks?lang=en');
  await expect(small.getByRole('heading', { name: 'New webhook' })).toBeVisible();
  await expect(small.getByRole('group', { name: 'Events sent' })).toBeVisible();
  expect(await seriousViolations(small), 'axe: the page in English on a phone').toEqual([]);
});
