/**
 * Type-checking only. The pages import the protocol's types from the server (protocol.ts →
 * src/realtime/events.ts), so tsc reads those server modules as well; the one Node global they
 * touch is Buffer (src/db/cursor.ts). Declared narrowly here rather than loading @types/node,
 * whose timers and globals would clash with the DOM's in browser code.
 */
declare const Buffer: {
  from(data: string, encoding?: string): { toString(encoding?: string): string };
};
