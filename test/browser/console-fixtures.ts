/** Fixtures for the console's browser tests: the agent console as an agent sees it, found by role and accessible name (../shared/spec/ui.md). */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { SCREENSHOT_DIR } from '../support/browser.js';
import { UI_TIMEOUT_MS, waitUntil } from './widget-fixtures.js';

export { UI_TIMEOUT_MS, waitUntil };

/** Where the console keeps the agent's session (web/console/session.ts). */
export const SESSION_KEY = 'pingstreams.console.session';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** An accessible name that starts with `text` (ui.md: a conversation's link starts with the lead's name). */
export const startingWith = (text: string) => new RegExp(`^\\s*${escapeRegExp(text)}`, 'i');

export class ConsolePage {
  /** Uncaught exceptions and console errors (a CSP violation is one). */
  readonly errors: string[] = [];

  constructor(
    readonly page: Page,
    readonly context: BrowserContext,
  ) {
    page.on('pageerror', (err) => this.errors.push(String(err)));
    page.on('console', (message) => message.type() === 'error' && this.errors.push(`${message.text()} ${message.location().url}`));
    page.setDefaultTimeout(UI_TIMEOUT_MS);
  }

  static async open(browser: Browser, url: string, viewport = DESKTOP): Promise<ConsolePage> {
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    const page = await context.newPage();
    const console = new ConsolePage(page, context);
    await page.goto(`${url}/console`);
    return console;
  }

  button(name: string, scope: Page | Locator = this.page): Locator {
    return scope.getByRole('button', { name, exact: true });
  }

  textbox(name: string, scope: Page | Locator = this.page): Locator {
    return scope.getByRole('textbox', { name, exact: true });
  }

  link(name: string | RegExp): Locator {
    return this.page.getByRole('link', typeof name === 'string' ? { name, exact: true } : { name });
  }

  tab(name: string): Locator {
    return this.page.getByRole('tab', { name, exact: true });
  }

  get log(): Locator {
    return this.page.getByRole('log', { name: 'Messages' });
  }

  /** Signs in with the form (Email, Password, "Sign in"). */
  async signIn(email: string, password: string): Promise<void> {
    await this.textbox('Email').fill(email);
    await this.textbox('Password').fill(password);
    await this.button('Sign in').click();
  }

  /** Signs in and waits until the workspace of the (only) project is up and connected. */
  async signInToWorkspace(email: string, password: string): Promise<void> {
    await this.signIn(email, password);
    await this.tab('Queue').waitFor();
    await this.waitConnected();
  }

  /** The presence switch says Online once the socket is up and the lists are loaded. */
  async waitConnected(): Promise<void> {
    await this.page.locator('.connection.connected').waitFor({ state: 'attached' });
    await this.page.getByRole('tabpanel').locator('[role=status]').waitFor({ state: 'detached' });
  }

  /** The texts of the messages in the log, in order (pending ones included). */
  texts(): Promise<string[]> {
    return this.log.locator('li .text').allTextContents();
  }

  /** Waits until the log's texts are exactly `expected`, in order. */
  async waitForTexts(expected: string[]): Promise<void> {
    let seen: string[] = [];
    await waitUntil(async () => {
      seen = await this.texts();
      return JSON.stringify(seen) === JSON.stringify(expected);
    }, 'the console log').catch(async () => {
      // What the page says instead (an error, "Loading…"), to tell a slow server from a broken page.
      const shown = await this.page.locator('main').innerText().catch(() => '(no main)');
      throw new Error(`the console's log shows ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}; the page shows: ${shown.slice(0, 600)}`);
    });
  }

  /** Types a reply and presses Enter (Enter sends). */
  async reply(text: string): Promise<void> {
    await this.textbox('Reply').fill(text);
    await this.textbox('Reply').press('Enter');
  }

  /** The page is no wider than its viewport: nothing needs sideways scrolling. */
  async expectNoSidewaysScroll(): Promise<void> {
    const { scrollWidth, innerWidth } = await this.page.evaluate<{ scrollWidth: number; innerWidth: number }>('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })');
    expect(scrollWidth, 'page width').to.be.at.most(innerWidth);
  }

  /** docs/screenshots/console-<name>-<width>.png at each width (the page is resized, then restored). */
  async screenshots(name: string, viewports = [DESKTOP, PHONE]): Promise<string[]> {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const before = this.page.viewportSize() ?? DESKTOP;
    const files: string[] = [];
    for (const viewport of viewports) {
      await this.page.setViewportSize(viewport);
      await this.expectNoSidewaysScroll();
      const file = path.join(SCREENSHOT_DIR, `console-${name}-${viewport.width}.png`);
      await this.page.screenshot({ path: file });
      expect(fs.statSync(file).size, file).to.be.greaterThan(5_000);
      files.push(file);
    }
    await this.page.setViewportSize(before);
    return files;
  }

  /** The stored console session (localStorage), or null. */
  async storedSession(): Promise<{ token: string; agent: { email: string } } | null> {
    return JSON.parse((await this.page.evaluate<string | null>(`localStorage.getItem(${JSON.stringify(SESSION_KEY)})`)) ?? 'null');
  }

  /** Replaces the stored session's token (to play an expired or forged one). */
  async storeToken(token: string): Promise<void> {
    const key = JSON.stringify(SESSION_KEY);
    await this.page.evaluate(`localStorage.setItem(${key}, JSON.stringify({ ...JSON.parse(localStorage.getItem(${key})), token: ${JSON.stringify(token)} }))`);
  }

  expectNoErrors(): void {
    expect(this.errors, 'errors in the console page').to.deep.equal([]);
  }

  close(): Promise<void> {
    return this.context.close();
  }
}
