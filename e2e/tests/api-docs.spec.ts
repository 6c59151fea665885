import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { test, expect, signIn, ensureOpen } from './helpers';

test('the API docs UI loads from the server itself and can try an operation', async ({ newContext }) => {
  const context = await newContext({ viewport: { width: 1280, height: 900 } });
  await signIn(context);
  await ensureOpen(context);
  const page = await context.newPage();
  const external: string[] = [];
  page.on('request', (req) => {
    if (!req.url().startsWith('http://127.0.0.1') && !req.url().startsWith('data:')) {
      external.push(req.url());
    }
  });
  await page.goto('/api/docs');
  await expect(page).toHaveURL(/\/api\/docs\/$/);
  await expect(page.getByRole('heading', { name: /tickets/ }).first()).toBeVisible();
  const take = page.locator('#operations-public-take');
  await expect(take).toBeVisible();
  // Every operation of the document is listed.
  const doc = await (await context.request.get('/api/openapi.json')).json();
  const operations = Object.values(doc.paths as Record<string, object>)
    .map((item) => Object.keys(item).filter((k) => ['get', 'post', 'put', 'patch', 'delete'].includes(k)).length)
    .reduce((a, b) => a + b, 0);
  expect(operations).toBeGreaterThan(25);
  await expect(page.locator('.opblock')).toHaveCount(operations);

  // Try it out (on from the start): take a ticket from the docs page (same origin, so
  // the guards let it in).
  await take.locator('.opblock-summary').click();
  // The body is optional: an empty object takes a ticket of the office's service (the
  // example the UI makes up from the schema would name a service that does not exist).
  const body = take.locator('textarea.body-param__text');
  if (await body.count()) await body.fill('{}');
  await take.getByRole('button', { name: 'Execute' }).click();
  const status = take.locator('.live-responses-table .response .response-col_status').first();
  await expect(status).toHaveText('201');
  await expect(take.locator('.live-responses-table')).toContainText('ticket_number');

  expect(external, 'requests that left the server').toEqual([]);
  const out = resolve(__dirname, '..', 'screenshots');
  mkdirSync(out, { recursive: true });
  await page.screenshot({ path: resolve(out, 'api-docs.png') });
});
