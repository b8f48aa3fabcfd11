/** The project's widget settings (its custom pre-chat fields), read from the public REST endpoint until the server answers. */
import type { WidgetConfig } from '../shared/protocol.js';

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/**
 * Calls `loaded` once with the settings, or `unknownProject` if the server says there is no such
 * project. Network failures and 5xx are retried with a growing pause.
 */
export function loadWidgetConfig(server: string, projectId: string, on: { loaded(config: WidgetConfig): void; unknownProject(): void }): void {
  const attempt = async (delayMs: number): Promise<void> => {
    try {
      const res = await fetch(`${server}/v1/projects/${encodeURIComponent(projectId)}/widget-config`);
      if (res.status === 404) return on.unknownProject();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      on.loaded((await res.json()) as WidgetConfig);
    } catch {
      setTimeout(() => void attempt(Math.min(delayMs * 2, MAX_RETRY_MS)), delayMs);
    }
  };
  void attempt(FIRST_RETRY_MS);
}
