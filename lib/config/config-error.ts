/** Thrown when an environment variable has a value that cannot be used; names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
