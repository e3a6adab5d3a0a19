/** The development sign-in route (POST /api/dev/token) is configured off exactly when NODE_ENV is production. */
import { apiConfig } from './config.js';

describe('apiConfig().devTokens', () => {
  const saved = { NODE_ENV: process.env.NODE_ENV, JWT_SECRET: process.env.JWT_SECRET };
  beforeAll(() => {
    process.env.JWT_SECRET = 'unit-test-secret-0123456789';
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  test.each([
    ['production', false],
    ['development', true],
    ['test', true],
    [undefined, true],
  ])('NODE_ENV=%s → %s', (env, expected) => {
    if (env === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = env;
    expect(apiConfig().devTokens).toBe(expected);
  });
});
