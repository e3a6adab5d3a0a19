/**
 * A notification service as reminder-trigger-cg's contract expects (consumers/reminder-trigger/
 * README.md): it accepts POSTs with an `Idempotency-Key` (the reminder id) and treats a repeated
 * key as already delivered. "Exactly once at the receiver" therefore means one distinct delivery
 * per reminder that fired; repeated calls with the same key are legal (a crash between the call
 * and the commit repeats it) and are counted as `raw - distinct`, not as doubles.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class NotificationReceiver {
  /** Calls per Idempotency-Key. */
  readonly calls = new Map<string, number>();
  private server: http.Server | undefined;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const key = req.headers['idempotency-key'];
      req.resume();
      req.on('end', () => {
        if (req.method !== 'POST' || typeof key !== 'string' || key === '') {
          res.writeHead(400).end('POST with an Idempotency-Key');
          return;
        }
        this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notify`;
  }

  get raw(): number {
    let n = 0;
    for (const c of this.calls.values()) n += c;
    return n;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}
