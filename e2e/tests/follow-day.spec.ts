import { test, expect, signIn, ensureOpen, takeTicket, PHONE } from './helpers';

/** The business day after `day` (`YYYY-MM-DD`). */
function nextDay(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** One server-sent event, as the server writes it. */
function sse(event: string, data: object, id: string): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

test("a ticket page left open overnight does not alert when the next day's ticket of the same number is recalled", async ({ newContext }) => {
  const staff = await newContext();
  await signIn(staff);
  await ensureOpen(staff);
  const { day, n } = await takeTicket(staff);
  const tomorrow = nextDay(day);

  const phone = await newContext(PHONE);
  // Every alert vibrates: record the vibrations instead.
  await phone.addInitScript(() => {
    const w = window as unknown as { alerts: unknown[] };
    w.alerts = [];
    Object.defineProperty(navigator, 'vibrate', {
      configurable: true,
      value: (pattern: unknown) => {
        w.alerts.push(pattern);
        return true;
      },
    });
  });
  // The event stream as it reads the next morning: the same number recalled on the new
  // day, then (the control) this ticket's own day recalling it.
  const recall = (on: string, seq: number) => ({
    seq,
    day: on,
    at: new Date().toISOString(),
    action: 'recall',
    ticket: n,
    desk: '1',
    queue_length: 0,
    next_ticket: null,
  });
  await phone.route('**/api/tickets/events', (route) =>
    route.fulfill({
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' },
      // No reconnection during the test.
      body: 'retry: 600000\n\n' + sse('queue', recall(tomorrow, 1), `${tomorrow}:1`) + sse('queue', recall(day, 99), `${day}:99`),
    }),
  );
  const page = await phone.newPage();
  await page.goto(`/api/tickets/follow/${day}/${n}`);
  await expect(page.locator(`[data-ticket="${n}"][data-day="${day}"]`)).toBeVisible();

  const alerts = () => page.evaluate(() => (window as unknown as { alerts: unknown[] }).alerts);
  // The control arrives last, so once it has alerted both events have been read.
  await expect.poll(async () => (await alerts()).length, { timeout: 10_000 }).toBeGreaterThan(0);
  expect(await alerts(), "one alert: this ticket's day only").toEqual([[400, 150, 400, 150, 400]]);
});
