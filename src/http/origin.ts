/** Same-origin checks for the agent side, against cross-site WebSocket hijacking and CSRF. */

/**
 * True when a browser request may act as an agent: no Origin header (not a browser, or a
 * same-origin GET), the same origin as the Host it was sent to, or one of CORS_ORIGINS.
 */
export function isAllowedAgentOrigin(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined || origin === '') return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (host !== undefined && parsed.host === host) return true;
  return allowed.some((a) => new URL(a).origin === parsed.origin);
}
