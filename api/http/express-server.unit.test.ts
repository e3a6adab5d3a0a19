/** The API's HTTP server hands Express requests and responses that already carry its prototypes. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createExpressServer } from './express-server.js';

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('createExpressServer', () => {
  const app = express();
  app.use(express.json());
  app.post('/echo', (req, res) => {
    res.status(201).json({ body: req.body as unknown, q: req.query.q, ip: req.ip });
  });
  const server = createExpressServer(app);
  // Seen before Express's handler runs: what node:http constructed, not what Express re-parented.
  const bornWith: { request: object | null; response: object | null }[] = [];
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    bornWith.push({
      request: Object.getPrototypeOf(req) as object | null,
      response: Object.getPrototypeOf(res) as object | null,
    });
  });
  let port = 0;

  beforeAll(async () => {
    port = await listen(server);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('constructs each request and response with the app prototypes', async () => {
    bornWith.length = 0;
    const res = await fetch(`http://127.0.0.1:${port}/echo?q=milk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'buy milk' }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ body: { title: 'buy milk' }, q: 'milk', ip: '127.0.0.1' });
    expect(bornWith).toHaveLength(1);
    expect(bornWith[0]?.request).toBe(app.request);
    expect(bornWith[0]?.response).toBe(app.response);
  });

  it('still gives them node:http behaviour underneath', async () => {
    bornWith.length = 0;
    const res = await fetch(`http://127.0.0.1:${port}/nowhere`);
    expect(res.status).toBe(404);
    expect(bornWith[0]?.request).toBe(app.request);
    expect(app.request instanceof http.IncomingMessage).toBe(true);
    expect(app.response instanceof http.ServerResponse).toBe(true);
  });
});
