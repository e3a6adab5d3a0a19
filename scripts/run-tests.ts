/**
 * `npm test`: brings the stack up if needed, prepares the database, topics and schemas once for
 * the whole run, then runs every jest suite. Extra arguments go to jest.
 */
import { spawnSync } from 'node:child_process';
import { prepareAll } from './prepare.js';

async function main(): Promise<number> {
  await prepareAll();
  const res = spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--no-warnings',
      'node_modules/jest/bin/jest.js',
      '--runInBand',
      // A kafkajs fetch left pending by a broker the node-loss tests killed must not hang the run.
      '--forceExit',
      ...process.argv.slice(2),
    ],
    // The services' own logs report broker trouble; kafkajs's console lines would drown the test output.
    { stdio: 'inherit', env: { ...process.env, KAFKAJS_LOG_LEVEL: process.env.KAFKAJS_LOG_LEVEL ?? 'nothing' } },
  );
  return res.status ?? 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`[test] ${err.message}`);
    process.exit(1);
  },
);
