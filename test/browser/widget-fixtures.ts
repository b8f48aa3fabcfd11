/** Fixtures for the widget's browser tests: the widget as a visitor sees it, agents as sockets, apps on a fixed port, a host page on another origin. */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { expect } from 'chai';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { createApp } from '../../src/app.js';
import { buildDeps, closeDeps } from '../../src/deps.js';
import { ensurePagesBuilt, launchBrowser } from '../support/browser.js';
import { api, nextEvent, ok, ownerWithProject, untilPresence } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { sharedDatabase } from '../support/root-hooks.js';
import { startApp, type TestApp } from '../support/start-app.js';
import { testConfig } from '../support/test-config.js';

/** Generous: the machine is shared, and a reconnect waits for socket.io's backoff. */
export const UI_TIMEOUT_MS = 20_000;

/** `eventually` with the browser tests' patience. */
export const waitUntil = (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = UI_TIMEOUT_MS) => eventually(condition, what, timeoutMs);

/** The widget on one page, found the way people and screen readers find it: by role and name. */
export class WidgetPage {
  /** Uncaught exceptions and console errors (a CSP violation is one). */
  readonly errors: string[] = [];

  constructor(
    readonly page: Page,
    readonly context: BrowserContext,
  ) {
    page.on('pageerror', (err) => this.errors.push(String(err)));
    page.on('console', (message) => message.type() === 'error' && this.errors.push(message.text()));
  }

  static async open(browser: Browser, url: string, viewport = { width: 1280, height: 800 }): Promise<WidgetPage> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const widget = new WidgetPage(page, context);
    await page.goto(url);
    await widget.button('Open chat').click();
    return widget;
  }

  button(name: string): Locator {
    return this.page.getByRole('button', { name, exact: true });
  }

  textbox(name: string): Locator {
    return this.page.getByRole('textbox', { name, exact: true });
  }

  get log(): Locator {
    return this.page.getByRole('log', { name: 'Messages' });
  }

  /** Fills the pre-chat form and starts the chat; resolves once the composer shows. */
  async startChat(name: string, email: string, custom: Record<string, string> = {}): Promise<void> {
    await this.textbox('Name').fill(name);
    await this.textbox('Email').fill(email);
    for (const [label, value] of Object.entries(custom)) await this.textbox(label).fill(value);
    await this.button('Start chat').click();
    await this.textbox('Message').waitFor({ timeout: UI_TIMEOUT_MS });
  }

  /** Types into the composer and presses Enter (Enter sends). */
  async send(text: string): Promise<void> {
    await this.textbox('Message').fill(text);
    await this.textbox('Message').press('Enter');
  }

  /** The texts of the messages in the log, in order (pending ones included). */
  texts(): Promise<string[]> {
    return this.log.locator('li .text').allTextContents();
  }

  /** Waits until the log holds exactly `expected`, in this order. */
  async waitForTexts(expected: string[]): Promise<void> {
    let seen: string[] = [];
    await waitUntil(async () => {
      seen = await this.texts();
      return JSON.stringify(seen) === JSON.stringify(expected);
    }, `the log to show ${JSON.stringify(expected)} (it shows ${JSON.stringify(seen)})`).catch(() => {
      throw new Error(`the log shows ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
    });
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

/** An agent's socket that reconnects by itself (as a console would), to `url` (which may restart). */
export async function agentSocket(url: string, token: string, projectId: string): Promise<Socket> {
  const socket = io(`${url}/agent`, { auth: { token, projectId }, transports: ['websocket'], forceNew: true, reconnectionDelay: 200, reconnectionDelayMax: 1_000 });
  // A server shutting down closes sockets on purpose, and socket.io then stays away: come back anyway.
  socket.on('disconnect', (reason) => reason === 'io server disconnect' && setTimeout(() => socket.connect(), 200));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

export const agentSays = (agent: Socket, conversationId: string, text: string) =>
  ok(agent, 'message:send', { conversationId, clientMessageId: randomUUID(), text });

/**
 * The next conversation given to `agentId`, as its conversation:updated. Routing gives a new
 * conversation to an agent after conversation:start's ack; until that commits the agent is not
 * in the conversation's audience (message:created goes to the assignee and the agents who
 * joined), so a visitor's message committed first reaches it through history, never live.
 * Tests that expect the visitor's first message live wait for this rather than conversation:created.
 */
export const nextAssigned = (agent: Socket, agentId: string) =>
  nextEvent<any>(agent, 'conversation:updated', (c) => c.status === 'assigned' && c.assigneeId === agentId, UI_TIMEOUT_MS);

/** The real app on a given port (0: any), on the run's shared database: stop it and start another on the same port to restart "the server". */
export async function appOnPort(port: number): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const config = testConfig();
  const deps = buildDeps(config, pino({ level: config.logLevel }), { db: sharedDatabase() });
  const app = createApp(deps);
  await new Promise<void>((resolve, reject) => {
    app.server.once('error', reject);
    app.server.listen(port, '127.0.0.1', resolve);
  });
  const actual = (app.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    async close() {
      await app.close();
      await closeDeps(deps, { keepDb: true });
    },
  };
}

/** A customer's site on another origin (its own port): one page with the widget's script tag pointing at `appUrl`. */
export async function hostSite(appUrl: string, projectId: string): Promise<{ url: string; close(): Promise<void> }> {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title>
<style>* { font-family: serif !important; } button { background: red !important; }</style></head>
<body><h1>Acme shop</h1><p>Somebody else's site.</p>
<script src="${appUrl}/widget.js" data-project-id="${projectId}"></script></body></html>`;
  // /blank: the same site without the widget, to see what the widget adds to `window`.
  const blank = '<!doctype html><html lang="en"><head><title>Acme shop</title></head><body><h1>Acme shop</h1></body></html>';
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(req.url === '/blank' ? blank : html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    // `localhost`, not 127.0.0.1: another host as well as another port.
    url: `http://localhost:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Mocha hooks for a widget suite: builds the pages, starts the app and Chromium once, and closes
 * each test's browser contexts and agent sockets after it. Call inside `describe`.
 */
export function widgetSuite() {
  let t: TestApp | undefined;
  let browser: Browser | undefined;
  const sockets: Socket[] = [];
  const widgets: WidgetPage[] = [];

  before(async () => {
    ensurePagesBuilt();
    t = await startApp();
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    for (const widget of widgets.splice(0)) await widget.close();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  const suite = {
    get t(): TestApp {
      return t!;
    },
    get browser(): Browser {
      return browser!;
    },
    /** Closed after the test. */
    track<T extends Socket | WidgetPage>(thing: T): T {
      if (thing instanceof WidgetPage) widgets.push(thing);
      else sockets.push(thing as Socket);
      return thing;
    },
    /** A project (with these pre-chat fields) and its owner online as an agent: auto routing hands it every new conversation. */
    async projectWithAgent(prechatFields?: unknown) {
      const { owner, projectId } = await ownerWithProject(suite.t.url);
      if (prechatFields) {
        const res = await api(suite.t.url, 'PATCH', `/v1/projects/${projectId}`, { token: owner.token, body: { prechatFields } });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
      }
      const agent = suite.track(await agentSocket(suite.t.url, owner.token, projectId));
      await untilPresence(suite.t.url, owner.token, projectId, owner.agent.id, 'online', UI_TIMEOUT_MS);
      return { owner, projectId, agent };
    },
    /** A new browser context on `url`, with the chat opened. */
    async openWidget(url: string, viewport?: { width: number; height: number }) {
      return suite.track(await WidgetPage.open(suite.browser, url, viewport));
    },
  };
  return suite;
}
