/**
 * The HTTP server for the Express app, with requests and responses born with Express's prototypes.
 *
 * Express 5 re-parents every request and response onto `app.request` / `app.response` with
 * `Object.setPrototypeOf`. In V8 that costs more than the call: objects whose prototype changed
 * after birth, and what hangs off them, survive young-generation collections at a high rate. With
 * `app.listen` a third of what the API allocated per POST /tasks was promoted to the old space
 * (about 7 MB/s at 500 requests/s), so a full mark-compact ran every few seconds and requests
 * queued behind it: those were the latency spikes in `npm run bench:api`'s fixed-rate run.
 *
 * Here node:http constructs them from the start with those prototypes (its `IncomingMessage` and
 * `ServerResponse` options), so Express's own `setPrototypeOf` finds the prototype already set and
 * changes nothing (expressjs/express#5998 describes the same cure).
 */
import http from 'node:http';
import type { Express } from 'express';

export function createExpressServer(app: Express): http.Server {
  // Plain constructor functions: a class's `prototype` cannot be replaced, and it must be Express's.
  function AppRequest(this: unknown, socket: unknown): http.IncomingMessage {
    return Reflect.construct(http.IncomingMessage, [socket], new.target ?? AppRequest) as http.IncomingMessage;
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: unknown, req: unknown, options: unknown): http.ServerResponse {
    return Reflect.construct(http.ServerResponse, [req, options], new.target ?? AppResponse) as http.ServerResponse;
  }
  AppResponse.prototype = app.response;
  return http.createServer(
    {
      IncomingMessage: AppRequest as unknown as typeof http.IncomingMessage,
      ServerResponse: AppResponse as unknown as typeof http.ServerResponse,
    },
    app,
  );
}
