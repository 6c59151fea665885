import { test, expect, signIn, ensureOpen, docScreenshot, PHONE } from './helpers';

// A ticket page seen once opens again without the network (a basement, a lift): its
// service worker keeps the page and the files it uses.
test('a ticket page seen once opens without the network', async ({ newContext }) => {
  const staff = await newContext();
  await signIn(staff);
  await ensureOpen(staff);
  const taken = await (await staff.request.post('/api/tickets/take')).json();
  const url: string = taken.ticket_url;
  const label: string = taken.ticket.label;

  const phone = await newContext(PHONE);
  const page = await phone.newPage();
  await page.goto(url);
  await expect(page.locator('.ticket-number')).toHaveText(label);
  // The worker takes control of the page, then keeps it and its files.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((done) => navigator.serviceWorker.addEventListener('controllerchange', () => done(null)));
    }
  });
  await page.reload();
  await expect(page.locator('[data-offline]')).toBeHidden();

  await phone.setOffline(true);
  await page.reload();
  await expect(page.locator('.ticket-number')).toHaveText(label);
  await expect(page.locator('.ticket-service')).toBeVisible();
  // It says it is offline, in words, and the styles are there (the card is laid out).
  const notice = page.locator('[data-offline]');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('Hors connexion');
  const size = await page.locator('.ticket-number').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  expect(size, 'the stylesheet came from the kept copy').toBeGreaterThan(40);
  await docScreenshot(page, 'ticket-offline.png');

  // Back online: the notice goes and the page is live again.
  await phone.setOffline(false);
  await expect(notice).toBeHidden();
});
