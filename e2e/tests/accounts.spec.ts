import { copyFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  test, expect, signIn, ensureOpen, takeTicket, seriousViolations, SIZES,
} from './helpers';

/** The administrator creates an agent in the console; the agent signs in at a desk and
 * calls a ticket; the audit log shows it; the administrator disables the agent, and the
 * agent's open console says at once that it can no longer act. */
test('an agent is created, works at a desk, is audited, and loses access when disabled', async ({ newContext }) => {
  test.setTimeout(90_000);
  const suffix = Date.now().toString(36);
  const username = `agent-${suffix}`;
  const displayName = `Agent E2E ${suffix}`;
  const desk = `acc${suffix.slice(-4)}`;
  const password = 'une phrase de passe assez longue';

  const admin = await newContext({ viewport: SIZES.desktop, bypassCSP: true });
  await signIn(admin);
  await ensureOpen(admin);
  const accounts = await admin.newPage();
  await accounts.goto('/api/admin/accounts');
  await expect(accounts.getByRole('heading', { level: 1 })).toHaveText('Comptes du personnel');
  expect(await seriousViolations(accounts), 'axe: accounts page').toEqual([]);

  // Create the agent.
  const create = accounts.locator('form:has(input[name="action"][value="create"])');
  await create.getByLabel('Identifiant').fill(username);
  await create.getByLabel('Nom affiché').fill(displayName);
  await create.getByLabel('Rôle').selectOption('agent');
  await create.getByLabel('Mot de passe').fill(password);
  await create.getByRole('button', { name: 'Créer le compte' }).click();
  await expect(accounts.getByText(`Compte « ${username} » créé.`)).toBeVisible();
  await expect(accounts.getByRole('row', { name: new RegExp(displayName) })).toBeVisible();

  // The agent signs in at a desk of their choice.
  const agentContext = await newContext({ viewport: SIZES.desktop, bypassCSP: true });
  const agent = await agentContext.newPage();
  await agent.goto('/api/tickets/staff');
  await expect(agent).toHaveURL(/\/api\/login\?next=/);
  await agent.getByLabel('Identifiant').fill(username);
  await agent.getByLabel('Mot de passe').fill(password);
  await agent.getByLabel('Guichet').fill(desk);
  await agent.getByRole('button', { name: 'Se connecter' }).click();
  await expect(agent).toHaveURL(/\/api\/tickets\/staff/);
  await expect(agent.locator('.signed-in')).toContainText(displayName);
  await expect(agent.locator('.signed-in')).toContainText('(agent)');
  await expect(agent.getByRole('heading', { level: 1 })).toHaveText(`Guichet ${desk}`);
  // An agent does not run the day.
  await expect(agent.getByRole('button', { name: 'Fermer la journée' })).toHaveCount(0);
  expect(await seriousViolations(agent), 'axe: the agent console').toEqual([]);

  // A customer takes a ticket; the agent calls it.
  const kiosk = await newContext({ viewport: SIZES.kiosk });
  await takeTicket(kiosk);
  await agent.getByRole('button', { name: 'Appeler le suivant' }).click();
  await expect(agent.locator('[data-outcome]')).toContainText('appelé');

  // The audit log shows the call, by the agent, at the desk.
  const audit = await admin.newPage();
  await audit.goto(`/api/admin/audit?account=${username}`);
  const line = audit.getByRole('row', { name: /console\.call-next/ }).first();
  await expect(line).toBeVisible();
  await expect(line).toContainText(username);
  await expect(line).toContainText(desk);
  expect(await seriousViolations(audit), 'axe: audit page').toEqual([]);

  // The other pages of the console are accessible too.
  for (const path of ['/api/admin/tokens', '/api/admin/office']) {
    const other = await admin.newPage();
    await other.goto(path);
    await other.waitForLoadState('load');
    expect(await seriousViolations(other), `axe: ${path}`).toEqual([]);
    await other.close();
  }

  // The administrator disables the agent: the agent's open console loses access.
  await accounts.goto(`/api/admin/accounts?edit=${username}#manage`);
  await accounts.getByRole('button', { name: 'Désactiver le compte' }).click();
  await expect(accounts.getByText(`Compte « ${username} » désactivé`)).toBeVisible();
  const ended = agent.getByRole('alert').filter({ hasText: 'Votre session a pris fin' });
  await expect(ended).toBeVisible({ timeout: 10_000 });
  await expect(agent.getByRole('button', { name: 'Appeler le suivant' })).toBeDisabled();
  // Into e2e/screenshots (not committed); the docs' copy is refreshed on request only, so
  // that a test run leaves the tree as it was (UPDATE_DOCS_SCREENSHOTS=1, as screenshots.spec.ts).
  mkdirSync(resolve(__dirname, '..', 'screenshots'), { recursive: true });
  const shot = resolve(__dirname, '..', 'screenshots', 'console-session-ended.png');
  await agent.screenshot({ path: shot, fullPage: false });
  if (process.env.UPDATE_DOCS_SCREENSHOTS) {
    copyFileSync(shot, resolve(__dirname, '..', '..', 'docs', 'screenshots', 'console-session-ended.png'));
  }
  // And the server refuses it too.
  const res = await agentContext.request.post('/api/tickets/call-next', {
    data: { desk },
    headers: { Origin: 'http://127.0.0.1:18765' },
  });
  expect(res.status()).toBe(401);
});
