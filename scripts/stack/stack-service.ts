/** One piece of the local stack, as `up`, `down` and `status` see it. */
export interface StackService {
  readonly name: string;
  readonly logFile: string;
  /** True when the service answers requests; may throw with a reason the user should read. */
  isReady(): Promise<boolean>;
  /** True when a process of ours is running (ready or not). */
  isRunning(): boolean;
  start(): Promise<void>;
  /** Graceful stop; false when nothing was running. */
  stop(): Promise<boolean>;
  /** Immediate stop, as a crash would be (for resilience tests). */
  kill(): Promise<void>;
}
