/**
 * Checks an offline HTML report in a real headless Chromium (the system one: Debian's `chromium` package; puppeteer-core never downloads one).
 *
 * The page is opened from file:// with the network shut: every request that is not file: (under the report's directory), data: or blob:
 * is aborted and recorded as a failed request, and a proxy that refuses every connection catches what request interception cannot see
 * (WebSockets, workers). What a test gets back is plain data: console errors, uncaught page errors, failed requests, every <img> with its
 * natural size, the number of SVGs, counts for CSS selectors, a full-page PNG screenshot and how much of it is not background.
 */
import assert from 'node:assert/strict';
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, type Page, launch } from 'puppeteer-core';
import sharp from 'sharp';

/** Where a Chromium is looked for after the WSOL_RUN_CHROMIUM environment variable. */
export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'] as const;

/** The flags Chromium needs as root in a container; puppeteer adds `--headless=new` itself (`headless: true`). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  // Nothing leaves the machine even where request interception does not reach (WebSocket, workers): every proxied connection is refused.
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
] as const;

export const NOT_INSTALLED = 'chromium is not installed: .ci/run installs it with apt-get install chromium (or set WSOL_RUN_CHROMIUM to a Chromium binary)';

export interface ImageInfo {
  /** The resolved URL the image loaded from (currentSrc), or the src attribute when it has none. */
  src: string;
  naturalWidth: number;
  naturalHeight: number;
  complete: boolean;
}

export interface FailedRequest {
  url: string;
  /** `blocked: ...` for a request the harness refused, otherwise Chromium's error text (net::ERR_FILE_NOT_FOUND). */
  reason: string;
}

export interface PageCheck {
  /** The file:// URL that was opened. */
  url: string;
  title: string;
  /** console.error calls and errors Chromium logged for the page, as text; `(URL)` follows when it is not the page's (a resource that failed to load). */
  consoleErrors: string[];
  /** Uncaught exceptions and unhandled rejections. */
  pageErrors: string[];
  failedRequests: FailedRequest[];
  images: ImageInfo[];
  /** Outermost inline <svg> elements plus <img> whose src is an .svg file or an image/svg+xml data URL. */
  svgCount: number;
  svg: { inline: number; img: number };
  /** document.querySelectorAll(selector).length for each selector asked for. */
  selectorCounts: Record<string, number>;
  screenshotPng: Buffer;
  screenshotSize: { width: number; height: number };
  /** Fraction of screenshot pixels that differ from the most common colour (0 for a blank page). */
  nonBlankFraction: number;
}

/** The page while it is still open (inside inspectPage). */
export interface LivePageCheck extends PageCheck {
  /** Runs a JavaScript expression (or a self-contained function: it is serialized) in the page; the result comes back as JSON, unchecked. */
  evaluate<T>(expression: string | (() => T | Promise<T>)): Promise<T>;
  page: Page;
}

export interface CheckPageOptions {
  /** CSS selectors to count, e.g. `table.results tbody tr`. */
  selectorCounts?: readonly string[];
  /** Chromium to run; findChromium() when absent. */
  executablePath?: string;
  /** Directory file:// requests must stay under; the page's directory when absent (a report that reaches outside it does not survive a copy). */
  fileRoot?: string;
  viewport?: { width: number; height: number };
  /** Waited for after load, for pages that render with JavaScript. */
  waitForSelector?: string;
  /** For launch, navigation and waitForSelector each; 60 s when absent. */
  timeoutMs?: number;
}

/** WSOL_RUN_CHROMIUM (which must then be executable), else the first executable of CHROMIUM_PATHS, else undefined. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.WSOL_RUN_CHROMIUM;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`WSOL_RUN_CHROMIUM=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  return CHROMIUM_PATHS.find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function inCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * For node:test: the Chromium to use, or undefined after t.skip() when there is none. Under CI (the CI environment variable set) a missing
 * Chromium fails the test instead, so a CI machine without one cannot pass by skipping.
 *
 *   const chromium = browserOrSkip(t);
 *   if (!chromium) return;
 *   const page = await checkPage(dir, { executablePath: chromium });
 */
export function browserOrSkip(t: Pick<TestContext, 'skip'>): string | undefined {
  const chromium = findChromium();
  if (chromium) return chromium;
  if (inCI()) assert.fail(NOT_INSTALLED);
  t.skip(NOT_INSTALLED);
  return undefined;
}

/** Opens the report (an .html file, or a directory holding index.html), collects what PageCheck holds and closes the browser. */
export async function checkPage(file: string, options: CheckPageOptions = {}): Promise<PageCheck> {
  return inspectPage(file, options, async ({ evaluate: _evaluate, page: _page, ...check }) => check);
}

/** As checkPage, with the page kept open while `use` runs (for evaluate); the browser is closed when it settles. */
export async function inspectPage<R>(file: string, options: CheckPageOptions, use: (check: LivePageCheck) => Promise<R>): Promise<R> {
  const htmlFile = htmlPath(file);
  const fileRoot = resolve(options.fileRoot ?? dirname(htmlFile));
  const executablePath = options.executablePath ?? findChromium();
  if (!executablePath) throw new Error(NOT_INSTALLED);
  const timeout = options.timeoutMs ?? 60_000;
  const url = pathToFileURL(htmlFile).href;

  const browser: Browser = await launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    defaultViewport: { ...(options.viewport ?? { width: 1280, height: 800 }), deviceScaleFactor: 1 },
    timeout,
    protocolTimeout: timeout,
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(timeout);
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const failedRequests: FailedRequest[] = [];
    const blocked = new Set<string>();
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // Where it came from when that is not the page itself: the resource that failed to load.
      const at = m.location().url;
      consoleErrors.push(at && at !== url ? `${m.text()} (${at})` : m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e instanceof Error ? (e.stack ?? e.message) : String(e)));
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      const why = refusal(req.url(), fileRoot);
      if (why === undefined) {
        void req.continue().catch(() => undefined);
        return;
      }
      blocked.add(req.url());
      failedRequests.push({ url: req.url(), reason: `blocked: ${why}` });
      void req.abort('blockedbyclient').catch(() => undefined);
    });
    page.on('requestfailed', (req) => {
      if (!blocked.has(req.url())) failedRequests.push({ url: req.url(), reason: req.failure()?.errorText ?? 'failed' });
    });
    // WebSockets never reach request interception: record them here (the proxy flag refuses the connection).
    const cdp = await page.createCDPSession();
    cdp.on('Network.webSocketCreated', (e) => failedRequests.push({ url: e.url, reason: 'blocked: WebSocket' }));
    await cdp.send('Network.enable');

    await page.goto(url, { waitUntil: 'load', timeout });
    if (options.waitForSelector) await page.waitForSelector(options.waitForSelector, { timeout });
    // Fonts, then two frames, so that what script drew after load is in the screenshot.
    await page.evaluate(settle);

    const dom = await page.evaluate(readDom, [...(options.selectorCounts ?? [])]);
    const screenshotPng = Buffer.from(await page.screenshot({ type: 'png', fullPage: true }));
    const { fraction, width, height } = await blankness(screenshotPng);
    const check: LivePageCheck = {
      url,
      title: dom.title,
      consoleErrors,
      pageErrors,
      failedRequests,
      images: dom.images,
      svgCount: dom.svgInline + dom.svgImg,
      svg: { inline: dom.svgInline, img: dom.svgImg },
      selectorCounts: dom.selectorCounts,
      screenshotPng,
      screenshotSize: { width, height },
      nonBlankFraction: fraction,
      evaluate: async <T>(expression: string | (() => T | Promise<T>)): Promise<T> => (await page.evaluate(expression)) as T,
      page,
    };
    return await use(check);
  } finally {
    await browser.close();
  }
}

/** What a clean offline report has none of: console and page errors, failed or blocked requests, images that did not decode. */
export function pageProblems(check: PageCheck): string[] {
  return [
    ...check.consoleErrors.map((e) => `console error: ${e}`),
    ...check.pageErrors.map((e) => `page error: ${e}`),
    ...check.failedRequests.map((r) => `request failed: ${r.url} (${r.reason})`),
    ...check.images.filter((i) => i.naturalWidth === 0 || i.naturalHeight === 0).map((i) => `image did not load: ${i.src}`),
  ];
}

/** Fraction of pixels of a PNG (or any image sharp reads) that differ from its most common colour. */
export async function nonBlankFraction(png: Buffer): Promise<number> {
  return (await blankness(png)).fraction;
}

async function blankness(png: Buffer): Promise<{ fraction: number; width: number; height: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  const pixels = width * height;
  if (pixels === 0) return { fraction: 0, width, height };
  const counts = new Map<number, number>();
  for (let p = 0, i = 0; p < pixels; p++, i += channels) {
    let key = 0;
    for (let c = 0; c < channels; c++) key = key * 256 + data[i + c]!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let most = 0;
  for (const n of counts.values()) if (n > most) most = n;
  return { fraction: (pixels - most) / pixels, width, height };
}

function htmlPath(file: string): string {
  const path = resolve(file);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    throw new Error(`no report at ${path}`);
  }
  if (!stat.isDirectory()) return path;
  const index = join(path, 'index.html');
  if (!isFile(index)) throw new Error(`${path} holds no index.html`);
  return index;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Why a request may not go out, or undefined when it may. */
function refusal(url: string, fileRoot: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol === 'data:' || parsed.protocol === 'blob:') return undefined;
  if (parsed.protocol !== 'file:') return `${parsed.protocol} is not file:, data: or blob: (the report must work offline)`;
  const path = fileURLToPath(parsed);
  if (path === fileRoot || path.startsWith(fileRoot.endsWith(sep) ? fileRoot : fileRoot + sep)) return undefined;
  return `outside ${fileRoot}`;
}

// The functions below run in the page (puppeteer serializes them), so they may use nothing from this module. The project compiles without
// the DOM library: these interfaces name the little of the DOM they touch.
interface DomImage {
  currentSrc: string;
  src: string;
  naturalWidth: number;
  naturalHeight: number;
  complete: boolean;
}
interface DomDocument {
  title: string;
  images: ArrayLike<DomImage>;
  fonts: { ready: Promise<unknown> };
  querySelectorAll(selector: string): { length: number };
}
interface DomWindow {
  document: DomDocument;
  requestAnimationFrame(f: () => void): number;
}

async function settle(): Promise<void> {
  const w = globalThis as unknown as DomWindow;
  await w.document.fonts.ready;
  for (let i = 0; i < 2; i++) await new Promise<void>((r) => w.requestAnimationFrame(() => r()));
}

function readDom(selectors: string[]): { title: string; images: ImageInfo[]; svgInline: number; svgImg: number; selectorCounts: Record<string, number> } {
  const doc = (globalThis as unknown as DomWindow).document;
  const images = Array.from(doc.images, (img) => ({
    src: img.currentSrc || img.src,
    naturalWidth: img.naturalWidth,
    naturalHeight: img.naturalHeight,
    complete: img.complete,
  }));
  const isSvg = (src: string): boolean => /^data:image\/svg\+xml[;,]/i.test(src) || /\.svg$/i.test(src.split(/[?#]/, 1)[0]!);
  const selectorCounts: Record<string, number> = {};
  for (const s of selectors) selectorCounts[s] = doc.querySelectorAll(s).length;
  return {
    title: doc.title,
    images,
    svgInline: doc.querySelectorAll('svg:not(svg svg)').length,
    svgImg: images.filter((i) => isSvg(i.src)).length,
    selectorCounts,
  };
}
