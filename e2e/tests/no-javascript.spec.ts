import { test, expect, drainQueue, signIn, ensureOpen, parseFollowUrl, SIZES } from './helpers';

const DESK = '9';

test('without JavaScript: the kiosk gives a ticket and the console calls it by plain forms', async ({ newContext }) => {
  test.setTimeout(60_000);
  const setup = await newContext();
  await signIn(setup);
  await ensureOpen(setup);
  await drainQueue(setup);

  const kioskContext = await newContext({ javaScriptEnabled: false, viewport: SIZES.kiosk });
  const kiosk = await kioskContext.newPage();
  await kiosk.goto('/api/tickets/public');
  const take = kiosk.getByRole('button', { name: 'Prendre un ticket' });
  await expect(take).toBeVisible();
  await take.click();
  await kiosk.waitForURL(/\/api\/tickets\/follow\/\d{4}-\d{2}-\d{2}\/\d+\?k=[0-9a-f]{32}&kiosk=1$/);
  const { day, n } = parseFollowUrl(kiosk.url());
  await expect(kiosk.locator('.ticket-number')).toHaveText(String(n));
  await expect(kiosk.locator('.ticket-ahead')).toBeVisible();
  await expect(kiosk.getByRole('img', { name: /Code QR/ })).toBeVisible();
  // The print button needs JavaScript, so it stays hidden; "new ticket" is a plain link.
  await expect(kiosk.getByRole('button', { name: 'Imprimer le ticket' })).toBeHidden();
  await expect(kiosk.getByRole('link', { name: 'Nouveau ticket' })).toHaveAttribute('href', '/api/tickets/public');

  // Staff: sign in by the form, pick a desk by the form, call by the buttons.
  const staffContext = await newContext({ javaScriptEnabled: false, viewport: SIZES.desktop });
  const console = await staffContext.newPage();
  await console.goto('/api/tickets/staff');
  await expect(console).toHaveURL(/\/api\/login/);
  await console.getByLabel('Mot de passe').fill('e2e-password');
  await console.getByRole('button', { name: 'Se connecter' }).click();
  await expect(console).toHaveURL(/\/api\/tickets\/staff$/);
  await console.getByLabel('Changer de guichet').fill(DESK);
  await console.getByRole('button', { name: 'Valider' }).click();
  await expect(console.getByRole('heading', { level: 1 })).toHaveText(`Guichet ${DESK}`);

  let called = 0;
  for (let i = 0; i < 100 && called !== n; i++) {
    await console.getByRole('button', { name: /^Appeler le suivant/ }).click();
    await expect(console).toHaveURL(new RegExp(`/api/tickets/staff\\?done=called&desk=${DESK}&n=\\d+$`));
    called = Number(new URL(console.url()).searchParams.get('n'));
    await expect(console.locator('[data-outcome]')).toHaveText(`Ticket ${called} appelé.`);
  }
  expect(called).toBe(n);
  await expect(console.locator('.big-number')).toHaveText(String(n));

  // The phone page (no JavaScript either) shows the desk when loaded.
  const phone = await kioskContext.newPage();
  await phone.goto(`/api/tickets/follow/${day}/${n}`);
  await expect(phone.locator('.ticket-called')).toHaveText(`C'est votre tour ! Rendez-vous au guichet ${DESK}`);
  await expect(phone.getByRole('button', { name: /Me prévenir/ })).toBeHidden();

  await console.getByRole('button', { name: /^Terminer/ }).click();
  await expect(console.locator('[data-outcome]')).toHaveText(`Ticket ${n} terminé.`);
  await expect(console.locator('.big-number')).toHaveText('—');
  await phone.reload();
  await expect(phone.locator('.ticket-done')).toHaveText('Ticket terminé.');

  // The reset's confirmation is enforced by the browser too.
  const confirm = console.getByLabel(/Je confirme/);
  await console.getByRole('button', { name: 'Remettre la journée à zéro' }).click();
  await expect(console).toHaveURL(/done=finished/);
  await expect(confirm).not.toBeChecked();

  // Signing out works as a form too.
  await console.getByRole('button', { name: 'Se déconnecter' }).click();
  await expect(console).toHaveURL(/\/api\/login$/);
  await console.goto('/api/dashboard');
  await expect(console).toHaveURL(/\/api\/login\?next=/);
});
