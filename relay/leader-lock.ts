/**
 * One active relay at a time: the holder of a PostgreSQL advisory lock on a dedicated connection
 * publishes. When that process dies its connection closes, the lock is freed, and a standby's next
 * try takes it over. A relay that loses its lock connection stops publishing at once.
 */
import pg from 'pg';

export class LeaderLock {
  private client: pg.Client | undefined;
  private held = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly lockId: number,
    private readonly onLost: (err: Error) => void,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /** Tries once; true when this process is now the active relay. */
  async tryAcquire(): Promise<boolean> {
    if (this.held) return true;
    if (!this.client) {
      const c = new pg.Client({
        connectionString: this.databaseUrl,
        application_name: 'outbox-relay-lock',
        keepAlive: true,
      });
      c.on('error', (err) => this.lost(err));
      c.on('end', () => this.lost(new Error('lock connection closed')));
      await c.connect();
      this.client = c;
    }
    const { rows } = await this.client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [this.lockId]);
    this.held = rows[0]?.ok === true;
    return this.held;
  }

  private lost(err: Error): void {
    const wasHeld = this.held;
    this.held = false;
    this.client = undefined;
    if (wasHeld) this.onLost(err);
  }

  async release(): Promise<void> {
    const c = this.client;
    this.held = false;
    this.client = undefined;
    if (!c) return;
    c.removeAllListeners('end');
    c.removeAllListeners('error');
    c.on('error', () => undefined);
    await c.end().catch(() => undefined);
  }
}
