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
 * `ServerResponse` options, subclasses that become the app's `request` and `response`), so
 * Express's own `setPrototypeOf` finds the prototype already set and changes nothing
 * (expressjs/express#5998 describes the same cure).
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { DEFAULT_HTTP_TIMEOUTS, type HttpTimeouts } from '../config.js';

/** What node:http answers a request it gave up on, as problem+json like every other error. */
const CLIENT_ERRORS: Record<string, { status: number; reason: string; title: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    reason: 'Request Timeout',
    title: 'the request was not received in time (API_HEADERS_TIMEOUT_MS, API_REQUEST_TIMEOUT_MS)',
  },
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'Request Header Fields Too Large', title: 'request headers too large' },
};
const MALFORMED = { status: 400, reason: 'Bad Request', title: 'malformed HTTP request' };

/**
 * Node's own answer to a client error, with a problem+json body. As node:http does by default, it
 * is written only while no response to the request has started, and the connection is closed.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, reason, title } = CLIENT_ERRORS[err.code ?? ''] ?? MALFORMED;
  const body = JSON.stringify({ type: 'about:blank', title, status });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    // Closed both ways once written: the server's sockets are half-open, a trickling client would keep it.
    () => socket.destroy(),
  );
}

/** Makes `target` stand where `appPrototype` stands: the same prototype behind it and the same own properties. */
function takeOver(target: object, appPrototype: object): void {
  Object.setPrototypeOf(target, Object.getPrototypeOf(appPrototype) as object);
  const { constructor: _own, ...properties } = Object.getOwnPropertyDescriptors(appPrototype);
  Object.defineProperties(target, properties);
}

/**
 * `timeouts`: a request whose headers, or whole body, take longer is answered 408 and its
 * connection closed; its handler never sees a complete body, so nothing is written.
 */
/**
 * `admit`: runs before the app on every request and may answer it itself (returning false), so
 * that a refusal under overload costs no routing (Admission.admit).
 */
export function createExpressServer(
  app: Express,
  timeouts: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS,
  admit?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
): http.Server {
  // Subclasses whose prototypes are the app's: Express's own (express.request/response, then
  // node's) behind them and the app's `app` property on them; the app then uses them as its
  // request and response prototypes. Constructor functions returning Reflect.construct(…, new.target)
  // with `prototype` set to app.request did the same but cost ~85 µs of CPU per request (measured
  // on a bare 503: 103 µs against 17 µs for plain node:http), which every request paid, and which
  // made refusing load under overload cost a sixth of serving a request.
  class AppRequest extends http.IncomingMessage {}
  class AppResponse extends http.ServerResponse {}
  takeOver(AppRequest.prototype, app.request);
  takeOver(AppResponse.prototype, app.response);
  app.request = AppRequest.prototype as typeof app.request;
  app.response = AppResponse.prototype as typeof app.response;
  const server = http.createServer(
    {
      IncomingMessage: AppRequest,
      ServerResponse: AppResponse,
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // How often node:http looks for requests past those timeouts (its default is every 30 s).
      connectionsCheckingInterval: Math.min(1_000, timeouts.headersTimeoutMs),
    },
    admit ? (req, res) => void (admit(req, res) && app(req, res)) : app,
  );
  server.on('clientError', answerClientError);
  return server;
}
