import { request, type FullConfig } from '@playwright/test';
import { BASE_URL, OFFICE_URL } from './playwright.config';
import { STAFF_PASSWORD } from './tests/helpers';

/** Signs in once and opens the day on each server, so the kiosks take tickets from the
 * first test on. Each test still makes sure of the state it needs (the order of tests does
 * not matter). */
export default async function globalSetup(_config: FullConfig): Promise<void> {
  await openDay(BASE_URL);
  await openDay(OFFICE_URL);
}

async function openDay(baseURL: string): Promise<void> {
  const api = await request.newContext({ baseURL });
  try {
    const login = await api.post('/api/login', { form: { password: STAFF_PASSWORD }, maxRedirects: 0 });
    if (login.status() !== 303) throw new Error(`staff sign-in answered ${login.status()}`);
    const open = await api.post('/api/tickets/staff', { form: { action: 'open_day', desk: '1' }, maxRedirects: 0 });
    const location = open.headers()['location'] ?? '';
    if (!/done=(opened|already_open)/.test(location)) {
      throw new Error(`opening the day went to ${location || open.status()}`);
    }
  } finally {
    await api.dispose();
  }
}
