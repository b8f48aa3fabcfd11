/**
 * Where the browser keeps its visitor token: localStorage, one key per project, so that every
 * later visit (and every tab) is the same visitor of the same lead. Where storage is refused
 * (privacy modes, sandboxed frames) the token lives as long as the page.
 */
export class TokenStorage {
  private memory: string | null = null;
  private readonly key: string;

  constructor(projectId: string) {
    this.key = `pingstreams:${projectId}:visitorToken`;
  }

  get(): string | null {
    try {
      return localStorage.getItem(this.key) ?? this.memory;
    } catch {
      return this.memory;
    }
  }

  set(token: string): void {
    this.memory = token;
    try {
      localStorage.setItem(this.key, token);
    } catch {
      // Kept in memory only.
    }
  }

  clear(): void {
    this.memory = null;
    try {
      localStorage.removeItem(this.key);
    } catch {
      // Nothing stored.
    }
  }
}
