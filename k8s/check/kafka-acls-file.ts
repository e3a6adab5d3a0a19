/**
 * The Helm chart's copy of the ACL table (k8s/charts/todo-platform/files/kafka-acls.json), in
 * Strimzi's KafkaUser terms, made from lib/kafka/kafka-acls.ts. `npm run k8s:check` fails when the
 * file differs from the table; `tsx k8s/check/kafka-acls-file.ts` rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { aclTable } from '../../lib/kafka/kafka-acls.js';
import { finding, type Finding } from './model.js';

export const ACL_FILE = 'k8s/charts/todo-platform/files/kafka-acls.json';

/** The file's text: every principal but `admin` (Strimzi's own super users take its place). */
export function aclFileText(): string {
  const users: Record<string, unknown[]> = {};
  for (const g of aclTable()) {
    if (g.principal === 'admin') continue;
    (users[g.principal] ??= []).push({
      resource: {
        type: g.resource,
        ...(g.resource === 'cluster' ? {} : { name: g.name, patternType: g.prefixed ? 'prefix' : 'literal' }),
      },
      operations: g.operations,
    });
  }
  return `${JSON.stringify({ users }, null, 2)}\n`;
}

export function checkAclFile(root: string): Finding[] {
  const have = readFileSync(path.join(root, ACL_FILE), 'utf8');
  return have === aclFileText()
    ? []
    : [
        finding(
          'kafka-acls',
          ACL_FILE,
          'differs from lib/kafka/kafka-acls.ts: run `npx tsx k8s/check/kafka-acls-file.ts`',
        ),
      ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..', ACL_FILE), aclFileText());
  console.log(`${ACL_FILE} written`);
}
