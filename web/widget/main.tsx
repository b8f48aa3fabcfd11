/**
 * The visitor widget: `<script src="https://HOST/widget.js" data-project-id="…">` on any site.
 * It talks to the server the script came from, and lives in an open shadow root on a host
 * element of its own; its only global is `window.Pingstreams`.
 */
import { render } from 'preact';
import { App } from './App.js';
import { applyStyles } from './styles.js';
import { TokenStorage } from './token-storage.js';
import { WidgetStore } from './widget-store.js';

export interface PingstreamsApi {
  open(): void;
  close(): void;
}

declare global {
  interface Window {
    Pingstreams?: PingstreamsApi;
  }
}

// Only set while this script first runs: read it now.
const script = (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>('script[src*="widget.js"][data-project-id]');

function boot(): void {
  const projectId = script?.dataset.projectId;
  if (!script || !projectId) {
    console.error('Pingstreams: add data-project-id="<your project id>" to the widget.js script tag.');
    return;
  }
  if (window.Pingstreams) {
    console.warn('Pingstreams: the widget is already on this page; this second script tag is ignored.');
    return;
  }
  const server = new URL(script.src, location.href).origin;
  const host = document.createElement('pingstreams-widget');
  const shadow = host.attachShadow({ mode: 'open' });
  applyStyles(shadow);
  document.body.appendChild(host);

  const store = new WidgetStore(server, projectId, new TokenStorage(projectId));
  render(<App store={store} />, shadow);
  window.Pingstreams = { open: () => store.setOpen(true), close: () => store.setOpen(false) };
}

if (document.body) boot();
else document.addEventListener('DOMContentLoaded', boot, { once: true });
