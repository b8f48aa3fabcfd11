/**
 * The pages people use, served by the API's own process: the widget's script (any site may
 * load it), the agent console, and a demo host page for trying the widget. Pages, not REST:
 * plain Express routes, left out of /openapi.json.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';
import helmet from 'helmet';
import { validate as isUuid } from 'uuid';
import { AppError } from '../errors.js';

/**
 * dist/public, found from this module: under tsx it is <root>/src/http (→ <root>/dist/public),
 * built it is <root>/dist/src/http (→ <root>/dist/public).
 */
function publicDir(): string {
  const twoUp = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  return path.basename(twoUp) === 'dist' ? path.join(twoUp, 'public') : path.join(twoUp, 'dist', 'public');
}

/**
 * The pages' own CSP: helmet's defaults (scripts and sockets from this origin only) without
 * `upgrade-insecure-requests`, which would send a plain-HTTP install's own scripts to https.
 * TLS (and HSTS) belong to the reverse proxy in front. `connect-src 'self'` covers the
 * same-origin WebSocket (ws:/wss:) in current browsers.
 */
const pageCsp = helmet.contentSecurityPolicy({
  directives: { 'upgrade-insecure-requests': null, 'connect-src': ["'self'"] },
});

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const notBuilt = () => new AppError('UNAVAILABLE', 'The web pages are not built: run `npm run build`.');

/** Whether dist/public holds `file`. */
async function isBuilt(dir: string, file: string): Promise<boolean> {
  return fs.stat(path.join(dir, file)).then((s) => s.isFile(), () => false);
}

/** express's sendFile (ETag, Last-Modified, 304s), as a promise; a client gone mid-file is no error to report. */
function sendFile(res: Response, file: string): Promise<void> {
  return new Promise((resolve, reject) => res.sendFile(file, (err) => (err && !res.headersSent ? reject(err) : resolve())));
}

export function webRoutes(options: { publicDir?: string } = {}): Router {
  const dir = options.publicDir ?? publicDir();
  const router = Router();

  /** A built bundle, revalidated by ETag/Last-Modified (express's sendFile answers 304s). */
  const bundle = (file: string, cacheControl: string, crossOrigin: boolean) => async (_req: unknown, res: Response) => {
    if (!(await isBuilt(dir, file))) throw notBuilt();
    // Customers' pages load widget.js with a plain <script>: helmet's default same-origin CORP would block it.
    if (crossOrigin) res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    res.set('Cache-Control', cacheControl).type('application/javascript; charset=utf-8');
    await sendFile(res, path.join(dir, file));
  };

  // Customers embed a fixed URL: five minutes of caching, so an upgrade reaches every site soon.
  router.get('/widget.js', bundle('widget.js', 'public, max-age=300', true));
  router.get('/console.js', bundle('console.js', 'no-cache', false));

  router.get('/console', pageCsp, async (_req, res) => {
    if (!(await isBuilt(dir, 'console.js'))) throw notBuilt();
    // A stylesheet only if the console's build produced one (esbuild writes it beside the script).
    const css = (await isBuilt(dir, 'console.css')) ? '\n<link rel="stylesheet" href="/console.css">' : '';
    res.set('Cache-Control', 'no-cache').type('html').send(page('Pingstreams — agent console', css, '<div id="app"></div>\n<script src="/console.js" defer></script>'));
  });
  router.get('/console.css', async (_req, res) => {
    if (!(await isBuilt(dir, 'console.css'))) throw new AppError('NOT_FOUND', 'No route GET /console.css.');
    res.set('Cache-Control', 'no-cache').type('text/css; charset=utf-8');
    await sendFile(res, path.join(dir, 'console.css'));
  });

  // Browsers ask every page's origin for one: an empty answer instead of a 404 in every console.
  router.get('/favicon.ico', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=86400').status(204).end();
  });

  router.get('/demo', pageCsp, async (req, res) => {
    const projectId = typeof req.query.projectId === 'string' ? req.query.projectId : '';
    if (!isUuid(projectId)) {
      throw new AppError('VALIDATION_FAILED', 'Give the project to demo: /demo?projectId=<project id>.', [{ path: 'projectId', message: 'must be a UUID' }]);
    }
    if (!(await isBuilt(dir, 'widget.js'))) throw notBuilt();
    const origin = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    res.set('Cache-Control', 'no-cache').type('html').send(demoPage(escapeHtml(origin), escapeHtml(projectId)));
  });

  return router;
}

function page(title: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>${head}
</head>
<body>
${body}
</body>
</html>
`;
}

/** A plain host page with the one script tag a customer pastes (arguments already escaped); its styles are rude on purpose, the widget must not care. */
function demoPage(origin: string, projectId: string): string {
  const head = `
<style>
  body { font: 18px/1.5 Georgia, serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f4f4f4; padding: .5rem; }
  button { background: #c00; color: #ff0; font-size: 2rem; }
  * { letter-spacing: 0.05em; }
</style>`;
  const body = `<h1>Pingstreams widget demo</h1>
<p>This page stands for a customer's site. It embeds the chat widget with one tag:</p>
<pre>&lt;script src="${origin}/widget.js" data-project-id="${projectId}"&gt;&lt;/script&gt;</pre>
<p>Open the chat with the button at the bottom right.</p>
<script src="/widget.js" data-project-id="${projectId}"></script>`;
  return page('Pingstreams — widget demo', head, body);
}
