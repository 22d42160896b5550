import { collect } from '../findings.js';
import type { Rule } from '../rule.js';

/**
 * The uid the process of an official image runs as when the task sets no `user`. Each entrypoint
 * starts as root and re-executes the server under its own user:
 * - redis: docker-library/redis docker-entrypoint.sh, `exec gosu redis "$0" "$@"` when the command
 *   is redis-server and `id -u` is 0; Dockerfile `useradd -r -g redis -u 999 redis`;
 * - postgres: docker-library/postgres docker-entrypoint.sh, `exec gosu postgres "$BASH_SOURCE"`;
 *   Dockerfile `useradd -r -g postgres --uid=999`;
 * - rabbitmq: docker-library/rabbitmq docker-entrypoint.sh (gosu rabbitmq); Dockerfile
 *   `useradd --uid 999 --system ... rabbitmq`.
 */
const IMAGE_RUNTIME_UID: readonly [RegExp, number][] = [
  [/(^|\/)redis:/, 999],
  [/(^|\/)postgres:/, 999],
  [/(^|\/)rabbitmq:/, 999],
];

/** Nomad's template perms default ("644", Nomad docs template.mdx). */
const DEFAULT_PERMS = '644';

/**
 * A template file the process reads must be readable by the uid it runs as. Nomad renders it owned
 * by its agent's user (root) unless `uid`/`gid` are set ("If negative or not specified (nil) the ID
 * of the Nomad agent user will be used", Nomad docs template.mdx, uid), with `perms`. Redis aborts
 * startup when its ACL file cannot be read (redis src/acl.c, ACLLoadUsersAtStartup: "Aborting
 * Redis startup because of ACL errors"): a crash loop. Env templates are read by Nomad itself and
 * are not checked.
 */
export const templateOwnerRule: Rule = {
  id: 'template-owner',
  description: "file templates are readable by the uid the image's process runs as",
  check: (jobFile) =>
    collect('template-owner', jobFile, (report) => {
      for (const group of jobFile.job.group) {
        for (const task of group.task) {
          const image = task.config?.image ?? '';
          const numericUser =
            task.user !== undefined && /^\d+$/.test(task.user) ? Number(task.user) : undefined;
          const imageUid = IMAGE_RUNTIME_UID.find(([pattern]) => pattern.test(image))?.[1];
          const processUid = numericUser ?? (task.user === undefined ? imageUid : undefined);
          if (processUid === undefined || processUid === 0) continue;
          for (const template of task.template) {
            if (template.env === true) continue;
            const perms = template.perms ?? DEFAULT_PERMS;
            const worldReadable = (parseInt(perms, 8) & 0o004) !== 0;
            const ownerReadable = (parseInt(perms, 8) & 0o400) !== 0;
            const groupReadable = (parseInt(perms, 8) & 0o040) !== 0;
            if (worldReadable) continue;
            const ownedByProcess = template.uid === processUid && ownerReadable;
            const groupOfProcess = template.gid === processUid && groupReadable;
            if (!ownedByProcess && !groupOfProcess) {
              report(
                `group ${group.name} / task ${task.name} / template ${template.destination}`,
                `perms ${perms} owned by uid ${template.uid ?? "the Nomad agent's"}: the process runs as uid ${processUid} and cannot read it; set uid = ${processUid}, gid = ${processUid}`,
              );
            }
          }
        }
      }
    }),
};
