/** What the visitor reads when one of its commands fails: plain words, never a stack or a code. */
import { CommandError } from '../shared/protocol.js';

export function errorText(err: unknown): string {
  if (!(err instanceof CommandError) || err.code === 'TIMEOUT' || err.code === 'UNAVAILABLE' || err.code === 'INTERNAL') {
    return 'We could not reach the chat just now. Please try again.';
  }
  if (err.code === 'RATE_LIMITED') return 'Too fast. Please wait a moment and try again.';
  // The server's own message (a field that did not validate, a closed conversation…).
  return err.message;
}
