// The API client: the signed-in user's token on every request, problem+json errors as ApiError.

export class ApiError extends Error {
  /** @param {number} status @param {any} problem */
  constructor(status, problem) {
    const fields = Array.isArray(problem?.errors) ? problem.errors.map((e) => `${e.field} ${e.message}`) : [];
    super(fields.length ? fields.join('; ') : (problem?.title ?? `request failed (${status})`));
    this.status = status;
    this.problem = problem;
  }
}

/** A client for one user: `userId` and `token` as the sign-in gave them. */
export function apiClient(userId, token, onUnauthorized) {
  const base = `/api/${encodeURIComponent(userId)}`;
  async function request(method, path, body) {
    const res = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.status === 401) onUnauthorized?.();
    if (!res.ok) throw new ApiError(res.status, json);
    return json;
  }
  return {
    userId,
    token,
    base,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
    put: (path, body) => request('PUT', path, body),
    patch: (path, body) => request('PATCH', path, body),
    del: (path) => request('DELETE', path),
  };
}

/** Development sign-in: POST /api/dev/token (absent in production). */
export async function devToken(userId) {
  const res = await fetch('/api/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  const json = await res.json().catch(() => undefined);
  if (!res.ok) throw new ApiError(res.status, json);
  return json.token;
}
