import { createECDH, createDecipheriv, createHmac, randomBytes, type ECDH } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Locator, Page } from '@playwright/test';
import {
  test, expect, signIn, ensureOpen, drainQueue, freshDay, callUntil, staffAction, seriousViolations, docScreenshot, PHONE,
} from './helpers';

// Push notifications from the ticket's own page: its holder (the link with the key `k`),
// while the ticket waits, taps "Me prévenir sur ce téléphone"; the page asks the browser's
// permission, subscribes to the browser's push service with the server's VAPID key and
// gives the subscription to the server, which then sends, encrypted (RFC 8291) and signed
// (RFC 8292), "near", "next" and "called" to the push service, each once. Headless
// Chromium has no push service: the tests stand in for it with a receiver on 127.0.0.1
// (the servers run with TICKETS_PUSH_ALLOW_PRIVATE=1) and a PushManager whose
// subscription points there, with real P-256 keys, so that the tests can decrypt what
// the server sent and hand it to the page's service worker as the browser would.

/** Screenshots that are not for the README (the English ones). */
const OUT = resolve(__dirname, '..', 'screenshots');

/** A ticket taken by the API: its day, number, holder's link and key. */
type Held = { day: string; n: number; url: string; key: string };

async function take(context: BrowserContext): Promise<Held> {
  const res = await context.request.post('/api/tickets/take');
  expect(res.status(), 'take a ticket').toBe(201);
  const body = await res.json();
  const url: string = body.ticket_url;
  expect(url, 'ticket_url carries the holder key').toMatch(/\?k=[0-9a-f]{32}$/);
  return { day: body.day, n: body.ticket.ticket_number, url, key: url.split('?k=')[1] };
}

/** One request the push service received. */
type Received = { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer };

/** A stand-in for a browser's push service: records every request and answers 201. */
async function pushService() {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(201, { location: `/messages/${got.length}` });
      res.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, got, close: () => new Promise<void>((done) => server.close(() => done())) };
}

/** The keys a browser makes for a subscription: ECDH P-256 (the raw public key, 65
 * bytes) and a 16-byte auth secret, base64url without padding as `toJSON()` gives them. */
function phoneKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, auth, p256dh: ecdh.getPublicKey().toString('base64url'), authText: auth.toString('base64url') };
}
type PhoneKeys = ReturnType<typeof phoneKeys>;

/** The payload of a Web Push message (RFC 8291, `aes128gcm` of RFC 8188), with the
 * subscription's private key and auth secret. */
function decrypt(body: Buffer, ecdh: ECDH, auth: Buffer): string {
  const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20];
  expect(idlen, 'the key id is the server\'s ephemeral public key').toBe(65);
  const serverPublic = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  expect(record.length, 'one record').toBeLessThanOrEqual(rs);
  const ikm = hmac(
    hmac(auth, ecdh.computeSecret(serverPublic)),
    Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), serverPublic, Buffer.from([1])]),
  );
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(-16));
  const plain = Buffer.concat([decipher.update(record.subarray(0, -16)), decipher.final()]);
  // The last record: the text, the delimiter 2, then padding zeros.
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  expect(plain[end], 'the last record\'s delimiter').toBe(2);
  return plain.subarray(0, end).toString('utf8');
}

/** Replaces the browser's push service in `context`: `subscribe` answers a subscription
 * to `endpoint` with `keys` (kept in localStorage, as a browser keeps it across page
 * loads); counts the calls in localStorage (`e2e-push-calls`) and keeps the server key
 * given (`e2e-push-server-key`). */
async function fakePushManager(context: BrowserContext, endpoint: string, keys: PhoneKeys): Promise<void> {
  await context.addInitScript(({ endpoint, p256dh, auth }) => {
    const KEY = 'e2e-push-server-key';
    const count = (what: string) => {
      const calls = JSON.parse(localStorage.getItem('e2e-push-calls') || '{}');
      calls[what] = (calls[what] || 0) + 1;
      localStorage.setItem('e2e-push-calls', JSON.stringify(calls));
    };
    const text = (bytes: Uint8Array) =>
      btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const subscription = (serverKey: string) => ({
      endpoint,
      expirationTime: null,
      options: {
        userVisibleOnly: true,
        applicationServerKey: Uint8Array.from(atob(serverKey.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)).buffer,
      },
      toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
      unsubscribe: () => {
        localStorage.removeItem(KEY);
        count('unsubscribe');
        return Promise.resolve(true);
      },
    });
    PushManager.prototype.subscribe = function (options?: PushSubscriptionOptionsInit) {
      const key = options?.applicationServerKey;
      if (!options?.userVisibleOnly || !key || typeof key === 'string') {
        return Promise.reject(new DOMException('userVisibleOnly and a key in bytes, please', 'NotSupportedError'));
      }
      const bytes = key instanceof ArrayBuffer ? new Uint8Array(key) : new Uint8Array(key.buffer, key.byteOffset, key.byteLength);
      localStorage.setItem(KEY, text(bytes));
      count('subscribe');
      return Promise.resolve(subscription(text(bytes)) as unknown as PushSubscription);
    };
    PushManager.prototype.getSubscription = function () {
      const key = localStorage.getItem(KEY);
      return Promise.resolve((key ? subscription(key) : null) as unknown as PushSubscription | null);
    };
  }, { endpoint, p256dh: keys.p256dh, auth: keys.authText });
}

async function pushCalls(page: Page): Promise<{ subscribe?: number; unsubscribe?: number }> {
  return page.evaluate(() => JSON.parse(localStorage.getItem('e2e-push-calls') || '{}'));
}

/** Hands `data` to the page's service worker as a push message (what the browser does
 * once it has decrypted it). */
async function deliverToServiceWorker(page: Page, data: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
  await cdp.send('ServiceWorker.enable');
  const origin = new URL(page.url()).origin;
  let id: string | undefined;
  await expect
    .poll(() => (id = registrations.find((r) => !r.isDeleted && r.scopeURL === `${origin}/api/tickets/follow/`)?.registrationId))
    .toBeTruthy();
  await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId: id!, data });
  await cdp.detach();
}

/** The notifications the page's service worker shows now. */
async function shown(page: Page) {
  return page.evaluate(() =>
    navigator.serviceWorker.ready
      .then((r) => r.getNotifications())
      .then((list) => list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url, requireInteraction: n.requireInteraction }))),
  );
}

/** A message the server sent, checked as a push service would (RFC 8030, 8291, 8292),
 * then decrypted. */
type Notice = {
  kind: 'near' | 'next' | 'called'; day: string; ticket: number; label: string; ahead: number | null;
  desk: string | null; title: string; body: string; url: string; tag: string;
};
function opened(got: Received, service: string, path: string, serverKey: string, keys: PhoneKeys): Notice {
  expect(got.method).toBe('POST');
  expect(got.path).toBe(path);
  expect(got.headers['content-encoding']).toBe('aes128gcm');
  expect(got.headers['ttl'], 'a TTL header').toMatch(/^\d+$/);
  const auth = got.headers['authorization'] ?? '';
  expect(auth).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
  expect(auth.split(', k=')[1], 'signed with the key the page subscribed with').toBe(serverKey);
  const jwt = auth.slice('vapid t='.length).split(', ')[0];
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
  // The push service's origin (web-push-native leaves out the port, which the real push
  // services, on 443, do not have).
  const origin = new URL(service);
  expect([origin.origin, `${origin.protocol}//${origin.hostname}`], 'the JWT is for the push service').toContain(claims.aud);
  expect(claims.exp * 1000).toBeGreaterThan(Date.now());
  expect(got.body.length, 'a body').toBeGreaterThan(0);
  return JSON.parse(decrypt(got.body, keys.ecdh, keys.auth));
}

/** The page's push block and its parts. */
function block(page: Page) {
  const box = page.locator('[data-push]');
  return {
    box,
    status: box.locator('[data-push-status]'),
    items: box.locator('li'),
  };
}

/** Tab from the top of the page until `target` has the focus. */
async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error('Tab never reached the button');
}

test('one tap: the holder is told at each stage, encrypted for their phone, and the service worker shows it', async ({ newContext }) => {
  const service = await pushService();
  const desk = '2';
  try {
    const staff = await newContext();
    await signIn(staff);
    await freshDay(staff);
    // Four people ahead: one more than the first notice's three.
    for (let i = 0; i < 4; i++) await take(staff);
    const mine = await take(staff);
    const keyRes = await staff.request.get('/api/push/key');
    expect(keyRes.status()).toBe(200);
    const { public_key: serverKey, ahead } = await keyRes.json();
    expect(ahead).toBe(3);
    const raw = Buffer.from(serverKey, 'base64url');
    expect(raw.length, 'an uncompressed P-256 point').toBe(65);
    expect(raw[0]).toBe(4);

    const keys = phoneKeys();
    const path = `/push/${mine.day}/${mine.n}`;
    const holder = await newContext(PHONE);
    await holder.grantPermissions(['notifications']);
    await fakePushManager(holder, service.base + path, keys);
    const page = await holder.newPage();
    await page.goto(mine.url);
    await page.waitForLoadState('load');

    // The offer says what will come.
    const { box, status, items } = block(page);
    await expect(box).toBeVisible();
    await expect(box.getByRole('heading', { level: 2 })).toHaveText('Être prévenu sur ce téléphone');
    await expect(box).toContainText('Ce téléphone peut vous prévenir, même page fermée ou écran verrouillé :');
    await expect(items).toHaveText([
      'quand il ne restera que 3 personnes avant vous ;',
      'quand vous serez le prochain ;',
      'quand on vous appellera, avec le guichet où aller.',
    ]);
    const on = box.getByRole('button', { name: 'Me prévenir sur ce téléphone' });
    const off = box.getByRole('button', { name: 'Désactiver les notifications' });
    await expect(on).toBeVisible();
    await expect(off).toBeHidden();
    await expect(status).toBeHidden();
    // The page's own alert button stays, above it.
    const alerts = page.getByRole('button', { name: 'Me prévenir quand c\'est mon tour' });
    await expect(alerts).toBeVisible();
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    await docScreenshot(page, 'push-optin.png', true);

    // One tap: permission (granted), subscription, given to the server.
    const posted = page.waitForResponse((r) => r.url().endsWith('/api/push/subscriptions') && r.request().method() === 'POST');
    await on.click();
    const answer = await posted;
    expect(answer.status(), 'the server stored the subscription').toBe(201);
    expect(await answer.json()).toEqual({ day: mine.day, ticket: mine.n, ahead: 3, notices: ['near', 'next', 'called'] });
    expect(answer.request().postDataJSON()).toEqual({
      day: mine.day,
      ticket: mine.n,
      key: mine.key,
      lang: 'fr',
      subscription: { endpoint: service.base + path, expirationTime: null, keys: { p256dh: keys.p256dh, auth: keys.authText } },
    });
    await expect(status).toHaveText('C\'est activé : ce téléphone vous préviendra, même page fermée.');
    await expect(status).toHaveAttribute('role', 'status');
    await expect(on).toBeHidden();
    await expect(off).toBeVisible();
    // The open page's alerts are armed by the same tap.
    await expect(alerts).toHaveAttribute('aria-pressed', 'true');
    expect(await page.evaluate(() => localStorage.getItem('e2e-push-server-key')), 'subscribed with the server\'s key').toBe(serverKey);
    await status.evaluate((el) => (el as HTMLElement).blur());
    await docScreenshot(page, 'push-on.png', true);

    // Opened again, the page says it is on.
    await page.reload();
    await expect(status).toHaveText('C\'est activé : ce téléphone vous préviendra, même page fermée.');
    await expect(off).toBeVisible();

    // Turned off: the server forgets it, the browser drops the subscription; then on again.
    const deleted = page.waitForResponse((r) => r.url().endsWith('/api/push/subscriptions') && r.request().method() === 'DELETE');
    await off.click();
    const gone = await deleted;
    expect(gone.status()).toBe(200);
    expect(await gone.json()).toEqual({ removed: true });
    expect(gone.request().postDataJSON()).toEqual({ day: mine.day, ticket: mine.n, key: mine.key, endpoint: service.base + path });
    await expect(status).toHaveText(
      'Notifications désactivées : vous ne serez plus prévenu page fermée. Gardez cette page ouverte : elle sonnera et vibrera quand ce sera votre tour.',
    );
    await expect(on).toBeVisible();
    expect(await pushCalls(page)).toEqual({ subscribe: 1, unsubscribe: 1 });
    await page.reload();
    await expect(on).toBeVisible();
    const again = page.waitForResponse((r) => r.url().endsWith('/api/push/subscriptions') && r.request().method() === 'POST');
    await on.click();
    expect((await again).status()).toBe(201);
    await expect(status).toHaveText('C\'est activé : ce téléphone vous préviendra, même page fermée.');
    expect(service.got, 'nothing sent while four people are ahead').toEqual([]);

    // The queue moves: three ahead ("near"), none ahead ("next"), called ("called").
    const label: string = (await (await staff.request.get(`/api/tickets/ticket/${mine.n}`)).json()).ticket.label;
    const notices: Notice[] = [];
    const until = async (kind: Notice['kind']) => {
      await expect
        .poll(() => service.got.length, { message: `the "${kind}" notice reaches the push service`, timeout: 15_000 })
        .toBeGreaterThan(notices.length);
      const notice = opened(service.got[notices.length], service.base, path, serverKey, keys);
      notices.push(notice);
      expect(notice.kind).toBe(kind);
      expect(notice).toMatchObject({ day: mine.day, ticket: mine.n, label, tag: `ticket-${mine.day}-${mine.n}` });
      expect(notice.url).toBe(mine.url);
      expect(notice.title.length).toBeGreaterThan(0);
      expect(notice.body.length).toBeGreaterThan(0);
      return notice;
    };
    await staffAction(staff, 'call_next', desk);
    expect((await until('near')).ahead).toBe(3);
    for (let i = 0; i < 3; i++) {
      await staffAction(staff, 'finish', desk);
      await staffAction(staff, 'call_next', desk);
    }
    expect((await until('next')).ahead).toBe(0);
    await staffAction(staff, 'finish', desk);
    await callUntil(staff, mine.n, desk);
    const called = await until('called');
    expect(called.desk, 'the desk to go to').toContain(desk);
    expect(called.body).toContain(desk);
    // Each once.
    await page.waitForTimeout(500);
    expect(service.got.length, 'three notices, no more').toBe(3);

    // What the service worker makes of it: the notification, which stays until seen.
    await deliverToServiceWorker(page, JSON.stringify(called));
    await expect.poll(() => shown(page)).toContainEqual({
      title: called.title,
      body: called.body,
      tag: called.tag,
      url: new URL(called.url, page.url()).href,
      requireInteraction: true,
    });
    // A payload that is not the server's JSON still shows something sensible.
    await deliverToServiceWorker(page, 'Bonjour');
    await expect.poll(() => shown(page)).toContainEqual({
      title: 'Votre ticket', body: 'Bonjour', tag: 'ticket', url: new URL('/api/tickets/public', page.url()).href, requireInteraction: false,
    });

    // A called ticket's page offers no more.
    await page.reload();
    await expect(page.locator('.ticket-called')).toBeVisible();
    await expect(box).toHaveCount(0);
  } finally {
    await service.close();
  }
  const staff = await newContext();
  await signIn(staff);
  expect(await staffAction(staff, 'finish', desk)).toBe('finished');
});

test('refused: the page says plainly no notification will come with it closed, and keeps its own alerts', async ({ newContext }) => {
  const staff = await newContext();
  await signIn(staff);
  await ensureOpen(staff);
  await drainQueue(staff);
  await take(staff);
  const mine = await take(staff);

  // The person says no to the browser's question (kept for the tab, as a browser would).
  const holder = await newContext(PHONE);
  await holder.addInitScript(() => {
    Object.defineProperty(Notification, 'permission', {
      configurable: true,
      get: () => sessionStorage.getItem('e2e-permission') || 'default',
    });
    Notification.requestPermission = () => {
      sessionStorage.setItem('e2e-permission', 'denied');
      return Promise.resolve('denied' as NotificationPermission);
    };
  });
  const page = await holder.newPage();
  const asked: string[] = [];
  page.on('request', (r) => { if (r.url().includes('/api/push/')) asked.push(`${r.method()} ${r.url()}`); });
  await page.goto(mine.url);
  const { box, status, items } = block(page);
  const on = box.getByRole('button', { name: 'Me prévenir sur ce téléphone' });
  await on.click();
  const refused =
    'Notifications refusées : vous ne serez pas prévenu page fermée ni téléphone verrouillé. ' +
    'Gardez cette page ouverte : elle sonnera et vibrera quand ce sera votre tour.';
  await expect(status).toHaveText(refused);
  await expect(box.locator('[data-push-how]')).toHaveText(
    'Pour changer d\'avis, autorisez les notifications de ce site dans les réglages du navigateur, puis rechargez la page.',
  );
  // Nothing to press that would not work; nothing was sent.
  await expect(on).toBeHidden();
  await expect(items.first()).toBeHidden();
  expect(asked).toEqual([]);
  // The open page still alerts: its button is there, armed by the tap.
  const alerts = page.getByRole('button', { name: 'Me prévenir quand c\'est mon tour' });
  await expect(alerts).toBeVisible();
  await expect(alerts).toHaveAttribute('aria-pressed', 'true');
  await status.evaluate((el) => (el as HTMLElement).blur());
  await docScreenshot(page, 'push-refused.png', true);

  // Opened again: it says so at once.
  await page.reload();
  await expect(status).toHaveText(refused);
  await expect(on).toBeHidden();
  await expect(page.getByRole('button', { name: 'Me prévenir quand c\'est mon tour' })).toBeEnabled();

  // A browser without push (English): said as plainly.
  const old = await newContext({ ...PHONE, locale: 'en-GB' });
  await old.addInitScript(() => { delete (window as { PushManager?: unknown }).PushManager; });
  const other = await old.newPage();
  await other.goto(mine.url);
  await expect(block(other).status).toHaveText(
    'This browser cannot notify you with the page closed: you will not get notifications. ' +
    'Keep this page open: it will ring and vibrate when it is your turn.',
  );
  await expect(block(other).box.getByRole('button')).toHaveCount(0);
  await expect(other.getByRole('button', { name: 'Alert me when it is my turn' })).toBeVisible();
  expect(asked).toEqual([]);
});

test('by keyboard, in English, without axe-core violations; offered to the holder of a waiting ticket only', async ({ newContext }) => {
  const service = await pushService();
  try {
    const staff = await newContext();
    await signIn(staff);
    await ensureOpen(staff);
    await drainQueue(staff);
    for (let i = 0; i < 4; i++) await take(staff);
    const mine = await take(staff);
    const keys = phoneKeys();

    // bypassCSP: only so that axe-core can be injected.
    const holder = await newContext({ ...PHONE, locale: 'en-GB', bypassCSP: true });
    await holder.grantPermissions(['notifications']);
    await fakePushManager(holder, `${service.base}/push/en`, keys);
    const page = await holder.newPage();
    await page.goto(mine.url);
    await page.waitForLoadState('load');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    const { box, status, items } = block(page);
    await expect(box.getByRole('heading', { level: 2 })).toHaveText('Notifications on this phone');
    await expect(items).toHaveText([
      'when only 3 people are ahead of you;',
      'when you are next;',
      'when you are called, with the desk to go to.',
    ]);
    const on = box.getByRole('button', { name: 'Notify me on this phone' });
    const off = box.getByRole('button', { name: 'Turn notifications off' });
    expect(await seriousViolations(page), 'axe-core violations with the offer').toEqual([]);
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'push-optin-en.png'), fullPage: true, animations: 'disabled', caret: 'hide' });

    // Tab reaches the button, with a visible focus ring; Enter turns it on.
    await tabTo(page, on);
    const ring = await on.evaluate((el) => {
      const s = getComputedStyle(el);
      return { visible: el.matches(':focus-visible'), style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    expect(ring).toEqual({ visible: true, style: 'solid', width: 4 });
    const box44 = (await on.boundingBox())!;
    expect(box44.height, 'touch target height').toBeGreaterThanOrEqual(44);
    const posted = page.waitForResponse((r) => r.url().endsWith('/api/push/subscriptions') && r.request().method() === 'POST');
    await page.keyboard.press('Enter');
    expect((await posted).status()).toBe(201);
    expect((await posted).request().postDataJSON().lang).toBe('en');
    await expect(status).toHaveText('It\'s on: this phone will notify you, even with the page closed.');
    // The focus is not lost with the button: it is on what happened, and Tab goes on to "turn off".
    await expect(status).toBeFocused();
    expect(await seriousViolations(page), 'axe-core violations with notifications on').toEqual([]);
    await page.screenshot({ path: join(OUT, 'push-on-en.png'), fullPage: true, animations: 'disabled', caret: 'hide' });
    await page.keyboard.press('Tab');
    await expect(off).toBeFocused();
    const deleted = page.waitForResponse((r) => r.url().endsWith('/api/push/subscriptions') && r.request().method() === 'DELETE');
    await page.keyboard.press('Enter');
    expect((await deleted).status()).toBe(200);
    await expect(status).toHaveText(
      'Notifications are off: you will no longer be notified with the page closed. Keep this page open: it will ring and vibrate when it is your turn.',
    );
    await expect(on).toBeVisible();

    // No network at the tap: said so, and the button stays to try again.
    await page.route('**/api/push/key', (route) => route.abort('internetdisconnected'));
    await on.click();
    await expect(status).toHaveText('No network: notifications could not be turned on. Please try again.');
    await expect(on).toBeEnabled();
    await page.unroute('**/api/push/key');

    // Not offered: the plain link (no key), a wrong key, the kiosk's screen.
    const reader = await newContext(PHONE);
    const plain = await reader.newPage();
    for (const url of [
      `/api/tickets/follow/${mine.day}/${mine.n}`,
      `/api/tickets/follow/${mine.day}/${mine.n}?k=${'0'.repeat(32)}`,
      `${mine.url}&kiosk=1`,
    ]) {
      await plain.goto(url);
      await expect(plain.locator('.ticket-number')).toBeVisible();
      await expect(plain.locator('[data-push]'), url).toHaveCount(0);
      await expect(plain.locator('script[src*="js/push.js"]'), url).toHaveCount(0);
    }
  } finally {
    await service.close();
  }
});
