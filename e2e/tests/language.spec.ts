import { test, expect, signIn, ensureOpen, takeTicket, SIZES } from './helpers';

test('French by default: lang="fr" and French texts on every page', async ({ newContext }) => {
  // A browser that asks for neither French nor English gets French.
  const context = await newContext({ locale: 'de-DE', viewport: SIZES.desktop });
  await signIn(context);
  await ensureOpen(context);
  const { day, n } = await takeTicket(context);
  const page = await context.newPage();
  const pages: [string, string][] = [
    ['/api/tickets/public', 'Bienvenue'],
    [`/api/tickets/follow/${day}/${n}?kiosk=1`, 'Votre ticket'],
    [`/api/tickets/follow/${day}/${n}`, 'Cette page se met à jour toute seule. Gardez-la ouverte.'],
    ['/api/login', 'Connexion du personnel'],
    ['/api/tickets/staff', 'Appeler le suivant'],
    ['/api/dashboard', 'Tableau de bord'],
  ];
  for (const [path, text] of pages) {
    await page.goto(path);
    await expect(page.locator('html'), path).toHaveAttribute('lang', 'fr');
    // Visible ones only: the ticket page's hidden offline notice also says "votre ticket".
    await expect(page.getByText(text, { exact: false }).filter({ visible: true }).first(), path).toBeVisible();
    const sw = page.locator('a.lang-switch');
    await expect(sw, path).toHaveText('English');
    await expect(sw, path).toHaveAttribute('lang', 'en');
    await expect(sw, path).toHaveAttribute('hreflang', 'en');
  }
  await page.goto('/api/tickets/public');
  await expect(page).toHaveTitle('Prendre un ticket · Tickets');
  await expect(page.getByRole('link', { name: 'Aller au contenu' })).toHaveCount(1);
});

test('the visible switch turns the pages to English, and is remembered', async ({ newContext }) => {
  const context = await newContext({ locale: 'fr-FR', viewport: SIZES.desktop });
  await signIn(context);
  await ensureOpen(context);
  const page = await context.newPage();
  await page.goto('/api/tickets/public');
  await expect(page.getByRole('button', { name: 'Prendre un ticket' })).toBeVisible();

  await page.getByRole('link', { name: 'English' }).click();
  await expect(page).toHaveURL(/\/api\/tickets\/public\?lang=en$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page).toHaveTitle('Take a ticket · Tickets');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toHaveCount(1);
  const cookie = (await context.cookies()).find((c) => c.name === 'lang');
  expect(cookie?.value).toBe('en');

  // Remembered across pages without ?lang=: take a ticket, its page is English.
  await page.getByRole('button', { name: 'Take a ticket' }).click();
  await page.waitForURL(/\/follow\/.*[?&]kiosk=1$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByText('Your ticket', { exact: true })).toBeVisible();
  await expect(page.locator('.ticket-wait')).toHaveText(/^Estimated wait: /);
  await expect(page.getByRole('button', { name: 'Print the ticket' })).toBeVisible();
  await expect(page.getByRole('img', { name: 'QR code to follow this ticket on a phone' })).toBeVisible();

  await page.goto('/api/tickets/staff');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('button', { name: /^Call next/ })).toBeVisible();
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Dashboard' })).toBeVisible();
  await page.getByRole('navigation').getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dashboard');
  await expect(page.getByRole('heading', { name: 'Actions per minute (last 60 minutes)' })).toBeVisible();

  // A fresh page (the live refresh keeps the language too).
  const other = await context.newPage();
  await other.goto('/api/login');
  await expect(other.getByRole('heading', { level: 1 })).toHaveText('Staff sign-in');
  await expect(other.getByLabel('Password')).toBeVisible();

  // And back to French the same way.
  await other.getByRole('link', { name: 'Français' }).click();
  await expect(other.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(other.getByRole('heading', { level: 1 })).toHaveText('Connexion du personnel');
  await other.goto('/api/dashboard');
  await expect(other.getByRole('heading', { level: 1 })).toHaveText('Tableau de bord');
});

test('Accept-Language: en gives English; ?lang=fr overrides it and is remembered', async ({ newContext }) => {
  const context = await newContext({ locale: 'en-GB', viewport: SIZES.desktop });
  const page = await context.newPage();
  await page.goto('/api/tickets/public');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome');
  await expect(page.locator('a.lang-switch')).toHaveText('Français');
  await page.goto('/api/login');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Staff sign-in');
  // A staff page sends to sign-in, in English; a wrong password says so in English.
  await page.goto('/api/dashboard');
  await expect(page).toHaveURL(/\/api\/login\?next=%2Fapi%2Fdashboard|\/api\/login\?next=\/api\/dashboard/);
  await page.getByLabel('Password').fill('nope');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await page.getByLabel('Password').fill('e2e-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/api\/dashboard$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dashboard');

  await page.goto('/api/tickets/public?lang=fr');
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await page.goto('/api/tickets/staff');
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.getByRole('button', { name: /^Appeler le suivant/ })).toBeVisible();
});
