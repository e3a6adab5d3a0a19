/**
 * The web page at `/`: static files from api/web/public (ES modules and CSS, no build step), served
 * by the API so the page and the REST routes share an origin. The content security policy allows
 * nothing but this origin: no inline script, no third-party fetch.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

export const WEB_ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function webRoutes(): Router {
  const r = Router();
  r.use(
    express.static(WEB_ROOT, {
      index: 'index.html',
      // The page is small and changes with the code: revalidate every time instead of serving a stale copy.
      cacheControl: true,
      maxAge: 0,
      setHeaders: (res) => res.set(SECURITY_HEADERS),
    }),
  );
  return r;
}
