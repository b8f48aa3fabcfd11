/**
 * The classes an HTTP server makes its requests and responses with, so that they are born with
 * the Express app's prototypes.
 *
 * Express gives every request and response its app's prototypes (`Object.setPrototypeOf` in
 * `app.handle`), and the garbage collector paid for it: each request's objects survived
 * young-generation collections (why, inside V8, was not pinned down). Measured
 * with node 20's `--trace-gc-nvp`, 20,000 keep-alive `GET /healthz` one at a time
 * (docs/performance.md, tenth round): a bare node:http server allocated 6.4 KB a request,
 * promoted nothing and scavenged in 0.1–0.2 ms; Express with one route allocated 26 KB, promoted
 * 3–5 MB per scavenge, scavenged in 8–16 ms and ran a mark-compact every five scavenges. With the
 * classes below: 11.5 KB, nothing promoted, 0.4–0.8 ms, no mark-compact. (A plain function as
 * `new.target` for Reflect.construct, even with Node's own prototype, was nearly as bad: 1.5 MB
 * promoted per scavenge. Classes, as below, are not.)
 *
 * Each class extends Node's; `adoptBy(app)` puts the app's prototype under the class's and makes
 * the class's the app's, so Express's `setPrototypeOf` finds the prototype already there and
 * changes nothing, while `req.app` and every Express method are inherited as before. The
 * process's listening server exists before the app (src/ops/boot-server.ts): it makes its objects
 * with these classes from the start, and the app adopts them once it is built.
 */
import http from 'node:http';
import type { Express } from 'express';

export interface AppHttpObjects {
  /** For http.createServer: the classes it makes requests and responses with. */
  readonly serverOptions: http.ServerOptions;
  /** Makes the classes' prototypes the app's (once: one app per pair of classes). */
  adoptBy(app: Express): void;
}

export function appHttpObjects(): AppHttpObjects {
  class AppRequest extends http.IncomingMessage {}
  class AppResponse<Request extends http.IncomingMessage = http.IncomingMessage> extends http.ServerResponse<Request> {}
  let adopted = false;
  return {
    serverOptions: { IncomingMessage: AppRequest, ServerResponse: AppResponse },
    adoptBy(app) {
      if (adopted) throw new Error('These request and response classes already belong to an app.');
      adopted = true;
      Object.setPrototypeOf(AppRequest.prototype, app.request);
      Object.setPrototypeOf(AppResponse.prototype, app.response);
      app.request = AppRequest.prototype as unknown as Express['request'];
      app.response = AppResponse.prototype as unknown as Express['response'];
    },
  };
}
