import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { PNG } from 'pngjs';

import { createIsolatedDatabase, REPO_ROOT, type IsolatedDatabase } from '../db/isolatedDatabase';
import { startGatewayProcess, type GatewayProcess } from './gatewayProcess';

/**
 * The explorer web UI end to end: a real gateway process (`serve --role all`, so the sync worker
 * indexes the test network) serving /explorer, driven by Debian's Chromium through
 * playwright-core. Signs in as the bootstrap admin, reads the dashboard's counters, opens the
 * newest block and one of its transactions, and sees a block made by a mutation appear without a
 * reload. Every page is saved to test-artifacts/explorer/*.png and checked not to be blank.
 */
jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'explorer');
const EXPLORER_INDEX = path.join(REPO_ROOT, 'dist', 'explorer', 'index.html');

let db: IsolatedDatabase | undefined;
let gatewayProcess: GatewayProcess | undefined;
let browserProcess: Browser | undefined;
let gateway: GatewayProcess;
let browser: Browser;
let page: Page;
let token: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  // `npm test` builds the UI first; a lone `npx jest` run builds it here when it is missing.
  if (!existsSync(EXPLORER_INDEX)) execFileSync(process.execPath, [require.resolve('vite/bin/vite.js'), 'build', '--config', 'src/explorer/vite.config.ts'], { cwd: REPO_ROOT, stdio: 'inherit' });
  mkdirSync(ARTIFACTS, { recursive: true });
  db = await createIsolatedDatabase('fabric_explorer_ui');
  gateway = gatewayProcess = await startGatewayProcess({ databaseUrl: db.url, role: 'all' });
  token = await gateway.login();
  // At least one transaction of our own, committed and indexed, before the first page loads.
  await createAsset(`ui-${Date.now()}-seed`);
  browser = browserProcess = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browserProcess?.close();
  await gatewayProcess?.kill();
  await db?.drop();
});

async function createAsset(id: string): Promise<{ transactionId: string; blockNumber: string }> {
  const reply = await gateway.graphql<{ createAsset: { indexed: boolean; transactionId: string; blockNumber: string } }>(
    'mutation($id: ID!) { createAsset(input: { id: $id, kind: "explorer-test", attributes: { colour: "teal" } }) { indexed transactionId blockNumber } }',
    { id },
    token,
  );
  const created = reply.data?.createAsset;
  if (!created?.indexed) throw new Error(`createAsset ${id} failed: ${JSON.stringify(reply.errors ?? reply.data)}`);
  return created;
}

/** Saves the page to test-artifacts/explorer/<name>.png and checks that the picture is not blank. */
async function screenshot(name: string, target: Page = page): Promise<void> {
  const buffer = await target.screenshot({ fullPage: true });
  writeFileSync(path.join(ARTIFACTS, `${name}.png`), buffer);
  expect({ name, ...blankness(PNG.sync.read(buffer)) }).toMatchObject({ name, blank: false });
}

/**
 * Blank means: fewer than 2% of the pixels differ clearly from the most common colour (the
 * background), or the luminance hardly varies. Every third pixel is enough.
 */
function blankness(png: PNG): { blank: boolean; differing: number; deviation: number } {
  const pixels: [number, number, number][] = [];
  for (let offset = 0; offset + 2 < png.data.length; offset += 4 * 3) pixels.push([png.data[offset] ?? 0, png.data[offset + 1] ?? 0, png.data[offset + 2] ?? 0]);
  const counts = new Map<string, number>();
  for (const pixel of pixels) counts.set(pixel.join(), (counts.get(pixel.join()) ?? 0) + 1);
  const background = ([...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '0,0,0').split(',').map(Number);
  const differing = pixels.filter((pixel) => pixel.reduce((sum, value, i) => sum + Math.abs(value - (background[i] ?? 0)), 0) > 48).length / pixels.length;
  const luminance = pixels.map(([r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b);
  const mean = luminance.reduce((sum, value) => sum + value, 0) / luminance.length;
  const deviation = Math.sqrt(luminance.reduce((sum, value) => sum + (value - mean) ** 2, 0) / luminance.length);
  return { blank: differing < 0.02 || deviation < 8, differing, deviation };
}

/** Waits for the element; on a time-out the error says what the page showed instead (e.g. a GraphQL error). */
async function shown(locator: Locator, target: Page = page, timeout = 30_000): Promise<void> {
  try {
    await locator.waitFor({ timeout });
  } catch (error) {
    const text = await target.locator('body').innerText().catch(() => '(no page text)');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- the page showed:\n${text.slice(0, 3000)}`);
  }
}

async function counter(name: string): Promise<number> {
  const text = await page.locator(`[data-counter="${name}"] dd`).innerText();
  return Number(text.replace(/[^0-9]/g, ''));
}

describe('the explorer web UI', () => {
  it('signs the bootstrap admin in and shows the dashboard with non-zero counts', async () => {
    const response = await page.goto(`${gateway.url}/explorer/`);
    expect(response?.status()).toBe(200);
    await shown(page.getByLabel('Username'));
    await screenshot('login');
    await page.getByLabel('Username').fill(gateway.admin.username);
    await page.getByLabel('Password').fill(gateway.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await shown(page.getByRole('heading', { level: 1, name: 'Dashboard' }));
    await shown(page.locator('[data-counter="blocks"] dd'));
    expect(await counter('blocks')).toBeGreaterThan(0);
    expect(await counter('transactions')).toBeGreaterThan(0);
    expect(await counter('valid')).toBeGreaterThan(0);
    await shown(page.getByRole('table', { name: /Ledger height each peer reports/ }));
    await shown(page.locator('.recharts-surface').first());
    await shown(page.locator('.live-connected'));
    await screenshot('dashboard');
  });

  it('lists the blocks, opens the newest one and one of its transactions with its writes', async () => {
    const newest = await gateway.graphql<{ blocks: { edges: { node: { number: string } }[] } }>('{ blocks(first: 1) { edges { node { number } } } }', {}, token);
    const latest = newest.data?.blocks.edges[0]?.node.number;
    expect({ latest, errors: newest.errors }).toMatchObject({ latest: expect.stringMatching(/^\d+$/) as unknown });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Blocks' }).click();
    await shown(page.getByRole('heading', { level: 1, name: 'Blocks' }));
    const firstRow = page.locator('tbody tr').first();
    await shown(firstRow);
    expect(await firstRow.getAttribute('data-block')).toBe(latest);
    await screenshot('blocks');

    await firstRow.getByRole('link').first().click();
    await shown(page.getByRole('heading', { level: 1, name: `Block #${latest ?? ''}` }));
    const txLink = page.locator('tbody tr[data-tx]').first().getByRole('link');
    await shown(txLink);
    await screenshot('block');

    const txId = await page.locator('tbody tr[data-tx]').first().getAttribute('data-tx');
    await txLink.click();
    await shown(page.getByRole('heading', { level: 1, name: 'Transaction' }));
    await expect(page.locator('.lead code').innerText()).resolves.toBe(txId);
    await shown(page.getByRole('heading', { level: 2, name: /^Writes \(\d+\)$/ }));
    const writes = page.locator('[data-write-key]');
    expect(await writes.count()).toBeGreaterThan(0);
    expect(await page.getByRole('heading', { level: 2, name: 'Endorsers' }).isVisible()).toBe(true);
    await screenshot('transaction');
  });

  it('shows a new block without reloading after a mutation through the API', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await shown(page.getByRole('heading', { level: 1, name: 'Dashboard' }));
    await shown(page.locator('[data-counter="blocks"] dd'));
    const blocksBefore = await counter('blocks');
    // A reload would drop this marker.
    await page.evaluate('window.explorerTestMarker = true');

    const created = await createAsset(`ui-${Date.now()}-live`);
    await shown(page.locator(`tbody tr[data-block="${created.blockNumber}"]`));
    for (const deadline = Date.now() + 15_000; (await counter('blocks')) <= blocksBefore; ) {
      if (Date.now() > deadline) throw new Error(`the blocks counter stayed at ${blocksBefore}`);
      await page.waitForTimeout(200);
    }
    expect(await page.evaluate('window.explorerTestMarker')).toBe(true);
    await screenshot('dashboard-live');
  });

  it('shows the chaincodes and the network', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chaincodes' }).click();
    await shown(page.getByRole('heading', { level: 1, name: 'Chaincodes' }));
    await shown(page.getByRole('rowheader', { name: /sample/ }).first());
    await screenshot('chaincodes');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Network' }).click();
    await shown(page.getByRole('heading', { level: 1, name: 'Network' }));
    await shown(page.getByRole('table', { name: 'Orderers' }));
    expect(await page.locator('tr[data-peer]').count()).toBeGreaterThanOrEqual(4);
    await screenshot('network');
  });

  it('fits a phone screen without sideways scrolling of the page', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      // browser.newPage() opens a new context (its own localStorage): sign in again.
      await phone.goto(`${gateway.url}/explorer/`);
      await phone.getByLabel('Username').fill(gateway.admin.username);
      await phone.getByLabel('Password').fill(gateway.admin.password);
      await phone.getByRole('button', { name: 'Sign in' }).click();
      await shown(phone.locator('[data-counter="blocks"] dd'), phone);
      const overflow = await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot('dashboard-phone', phone);
    } finally {
      await phone.close();
    }
  });
});
