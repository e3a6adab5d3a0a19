/**
 * The probe and metrics server every background service runs (the API serves the same routes on its
 * own port): `/healthz` (the process answers), `/readyz` (its dependencies answer: 503 otherwise),
 * `/metrics` (Prometheus text from the service's registry).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ProbeServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Extra fields of the `/healthz` answer (the group's name, say). */
  health?: Record<string, unknown>;
  /** The `/readyz` body; `ready: false` answers 503. */
  readiness: () => Promise<{ ready: boolean } & Record<string, unknown>>;
}

export interface ProbeServer {
  readonly url: string;
  readonly metricsUrl: string;
  close(): Promise<void>;
}

export async function startProbeServer(o: ProbeServerOptions): Promise<ProbeServer> {
  const server = http.createServer((req, res) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/healthz') json(200, { status: 'ok', ...o.health });
    else if (req.url === '/readyz')
      o.readiness().then(
        ({ ready, ...rest }) => json(ready ? 200 : 503, rest),
        (err: Error) => json(503, { error: err.message }),
      );
    else if (req.url === '/metrics')
      o.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': o.registry.contentType }).end(text),
        (err: Error) => json(500, { error: err.message }),
      );
    else json(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(o.port, o.host, resolve));
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.address}:${addr.port}`;
  return {
    url,
    metricsUrl: `${url}/metrics`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
