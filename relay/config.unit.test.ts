import { relayConfig } from './config.js';

describe('relay config: the commit signal', () => {
  const saved = { signal: process.env.RELAY_COMMIT_SIGNAL, listen: process.env.RELAY_LISTEN };
  afterEach(() => {
    for (const [name, v] of [
      ['RELAY_COMMIT_SIGNAL', saved.signal],
      ['RELAY_LISTEN', saved.listen],
    ] as const) {
      if (v === undefined) delete process.env[name];
      else process.env[name] = v;
    }
  });

  it('defaults to off (the poll alone), 64 MB of WAL at most for the slot', () => {
    delete process.env.RELAY_COMMIT_SIGNAL;
    delete process.env.RELAY_LISTEN;
    expect(relayConfig().commitSignal).toBe('off');
    expect(relayConfig().commitSignalMaxWalBytes).toBe(64 * 1024 * 1024);
  });

  it('reads RELAY_LISTEN=true as notify when RELAY_COMMIT_SIGNAL is unset, and lets RELAY_COMMIT_SIGNAL win', () => {
    process.env.RELAY_LISTEN = 'true';
    delete process.env.RELAY_COMMIT_SIGNAL;
    expect(relayConfig().commitSignal).toBe('notify');
    process.env.RELAY_COMMIT_SIGNAL = 'off';
    expect(relayConfig().commitSignal).toBe('off');
  });

  it('refuses an unknown signal, naming the variable', () => {
    process.env.RELAY_COMMIT_SIGNAL = 'kafka';
    expect(() => relayConfig()).toThrow(/RELAY_COMMIT_SIGNAL must be one of slot, notify, off/);
  });
});
