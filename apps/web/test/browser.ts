/**
 * Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium driven by
 * playwright-core, WebGPU on (Chromium picks its SwiftShader Vulkan adapter headless), a fake
 * microphone that plays a WAV file, a fresh profile, no background traffic. Every request the
 * page makes is recorded so a test can check that it stays on its own origin.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const WEB_ROOT = join(here, '..');
export const OUTPUT = join(WEB_ROOT, 'test-output');
export const CHROMIUM = process.env.DUET_CHROMIUM ?? '/usr/bin/chromium';

export interface OpenPage {
  readonly page: Page;
  readonly url: string;
  /** Every URL the page requested, in order. */
  readonly requests: string[];
  /** Console errors and uncaught exceptions of the page. */
  readonly problems: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Builds the page into dist/ (the tests check the current sources) and serves it on a free port. */
export async function buildAndServe(options: { build?: boolean; model?: string } = {}): Promise<{ server: Server; url: string }> {
  if (options.build ?? true) {
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [join(WEB_ROOT, 'build.mjs')], { stdio: 'inherit' });
  }
  // @ts-expect-error serve.mjs is plain JavaScript with no declarations
  const { startServer } = (await import('../serve.mjs')) as { startServer(o: { port: number; model?: string }): Promise<Server> };
  const server = await startServer({ port: 0, model: options.model });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('server has no port');
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

export interface LaunchOptions {
  /** WAV file the fake microphone plays (looped). */
  readonly fakeAudio?: string;
  /** Script run in the page before its own (e.g. to hide navigator.gpu). */
  readonly initScript?: string;
}

export async function openPage(url: string, options: LaunchOptions = {}): Promise<OpenPage> {
  const profile = mkdtempSync(join(tmpdir(), 'duet-chromium-'));
  const args = [
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ];
  if (options.fakeAudio) args.push(`--use-file-for-fake-audio-capture=${options.fakeAudio}`);
  let browser: BrowserContext;
  try {
    // A new, empty profile each time (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args, viewport: { width: 1280, height: 900 } });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`cannot start ${CHROMIUM} (install Debian's chromium, or set DUET_CHROMIUM): ${(error as Error).message}`);
  }
  const page = browser.pages()[0] ?? (await browser.newPage());
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    // The 404 of the absent model bundle is expected; anything else is a problem.
    if (message.type() === 'error' && !/404 \(Not Found\)/.test(message.text())) problems.push(message.text());
  });
  if (options.initScript) await page.addInitScript(options.initScript);
  await page.goto(url);
  return {
    page,
    url,
    requests,
    problems,
    async screenshot(name) {
      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });
    },
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the page's main() has finished (GPU acquired or refused, bundle looked for). */
export async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as { duet?: { ready: boolean } }).duet?.ready === true, null, { timeout: 30_000 });
}

/** Requests that left the page's own origin. */
/** Draws a 7 on the pad with the mouse: a top bar, then the stroke down to the left. */
export async function drawSeven(page: Page): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  await page.mouse.move(box.x + 60, box.y + 60);
  await page.mouse.down();
  await page.mouse.move(box.x + 220, box.y + 60, { steps: 8 });
  await page.mouse.move(box.x + 120, box.y + 230, { steps: 12 });
  await page.mouse.up();
}

export function foreignRequests(requests: readonly string[], url: string): string[] {
  const origin = new URL(url).origin;
  return requests.filter((r) => !r.startsWith('data:') && new URL(r).origin !== origin);
}
