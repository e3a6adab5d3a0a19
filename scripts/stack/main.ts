/** `npm run stack:up | stack:down | stack:status | stack:fetch | stack:env`. */
import { fetchJvmComponents } from './fetch.js';
import { fetchPrometheus } from './prometheus-service.js';
import { operatorEnvironment } from './operator-env.js';
import { stackConfig } from './stack-config.js';
import { ensureStack, stackStatus, stopStack } from './stack.js';

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up':
      await ensureStack();
      console.log('[stack] all services ready');
      return 0;
    case 'down':
      await stopStack();
      return 0;
    case 'fetch':
      fetchJvmComponents(stackConfig(), (m) => console.log(`[stack] ${m}`));
      fetchPrometheus((m) => console.log(`[stack] ${m}`));
      return 0;
    case 'status': {
      const rows = await stackStatus();
      for (const r of rows) {
        const state = r.ready ? 'ready' : r.running ? 'running, not ready' : 'stopped';
        console.log(`${r.name.padEnd(10)} ${state.padEnd(19)} ${r.log}`);
      }
      return rows.every((r) => r.ready) ? 0 : 3;
    }
    case 'env':
      for (const [k, v] of Object.entries(operatorEnvironment(stackConfig())))
        console.log(`export ${k}='${v.replace(/'/g, `'\\''`)}'`);
      return 0;
    default:
      console.error(`unknown stack command "${command ?? ''}": use up, down, status, fetch or env`);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`[stack] ${err.message}`);
    process.exit(1);
  },
);
