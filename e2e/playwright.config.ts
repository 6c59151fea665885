import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from '@playwright/test';

/** Where the server under test listens (fixed, unlikely to clash): the built-in office of
 * one service. */
export const PORT = 18765;
export const BASE_URL = `http://127.0.0.1:${PORT}`;
/** A second server, for an office of three services, a priority class and four desks
 * (`office.toml`, loaded with TICKETS_CONFIG). */
export const OFFICE_PORT = 18766;
export const OFFICE_URL = `http://127.0.0.1:${OFFICE_PORT}`;

// `npm test` builds the binary first (`cargo build -p tickets-http --bin tickets`); a bare
// `npx playwright test` runs whatever binary is there. E2E_SERVER_BIN runs another one
// (a release build, say). Cargo builds into CARGO_TARGET_DIR when it is set (relative to
// where cargo runs: the workspace), else into the workspace's `target/`.
const workspace = resolve(__dirname, '..');
const targetDir = process.env.CARGO_TARGET_DIR
  ? resolve(workspace, process.env.CARGO_TARGET_DIR)
  : resolve(workspace, 'target');
const binary = process.env.E2E_SERVER_BIN
  ? resolve(process.env.E2E_SERVER_BIN)
  : resolve(targetDir, 'debug', 'tickets');
if (!existsSync(binary)) {
  throw new Error(
    `${binary} is missing: build it first with \`cd .. && cargo build -p tickets-http --bin tickets\` (or run \`npm test\`)`,
  );
}

const serverDir = resolve(__dirname, 'node_modules', '.cache', 'tickets-e2e');

/** A server under test on `port`: a copy of the binary, so that neither a rebuild nor a
 * script that stops `target/debug/tickets` by name (another checkout's server, a
 * benchmark) can take the server away in the middle of the run. */
function server(name: string, port: number, env: Record<string, string> = {}) {
  const copy = resolve(serverDir, name);
  return {
    command: [
      `mkdir -p ${JSON.stringify(serverDir)}`,
      `rm -f ${JSON.stringify(copy)}`,
      `cp ${JSON.stringify(binary)} ${JSON.stringify(copy)}`,
      `exec ${JSON.stringify(copy)}`,
    ].join(' && '),
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    env: {
      TICKETS_STORE: 'memory',
      TICKETS_STAFF_PASSWORD: 'e2e-password',
      TICKETS_TIMEZONE: 'Europe/Paris',
      TICKETS_BIND: `127.0.0.1:${port}`,
      TICKETS_ALLOWED_HOSTS: 'localhost,127.0.0.1,[::1]',
      // No per-address take limit: every browser of the tests is 127.0.0.1, and the kiosk
      // tests alone take more tickets than the default limit (10 per 10 minutes) allows.
      TICKETS_TAKE_LIMIT: '0',
      // Push notifications may go to the tests' own receiver on 127.0.0.1 (push.spec.ts).
      TICKETS_PUSH_ALLOW_PRIVATE: '1',
      RUST_LOG: 'warn',
      ...env,
    },
  };
}

export default defineConfig({
  testDir: './tests',
  // The tests share the servers and so their queues: one at a time, in one worker.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 5_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['html', { open: 'never' }]],
  globalSetup: './global-setup.ts',
  use: {
    baseURL: BASE_URL,
    browserName: 'chromium',
    headless: true,
    // The server's business day is in Paris; so are the browsers (uPlot's time axis).
    timezoneId: 'Europe/Paris',
    locale: 'fr-FR',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: [
    server('e2e-queue-server', PORT),
    server('e2e-office-server', OFFICE_PORT, { TICKETS_CONFIG: resolve(__dirname, 'office.toml') }),
  ],
});
