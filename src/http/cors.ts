/**
 * Browser access to REST: the widget's anonymous endpoint from any origin, everything else
 * (the agent side) from the same origin or CORS_ORIGINS only.
 */
import type { RequestHandler } from 'express';

const PUBLIC_PATHS = new Set(['/v1/auth/anonymous']);
/** The widget reads its project's settings from customers' pages (src/projects/widget-config.routes.ts). */
const PUBLIC_PATTERNS = [/^\/v1\/projects\/[^/]+\/widget-config\/?$/i];
const isPublic = (path: string) => PUBLIC_PATHS.has(path) || PUBLIC_PATTERNS.some((pattern) => pattern.test(path));

export function cors(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins.map((o) => new URL(o).origin));
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && (isPublic(req.path) || allowed.has(origin))) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Headers': 'Authorization, Content-Type',
        'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE, OPTIONS',
        'Access-Control-Max-Age': '600',
        // A 429's Retry-After is readable by the page too (the body's details say the same).
        'Access-Control-Expose-Headers': 'Retry-After',
        Vary: 'Origin',
      });
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}
