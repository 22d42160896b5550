import { collect } from '../findings.js';
import type { Rule } from '../rule.js';

const DIGEST = /@sha256:[a-f0-9]{64}$/;

/** Splits "registry:5000/name:tag@digest" into its tag (after the last path segment). */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.replace(/@.*$/, '');
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon === -1 ? undefined : lastSegment.slice(colon + 1);
}

/**
 * An image is pinned by a digest or by a version tag: no tag, `latest`, or a tag without any
 * version number (`stable`, `alpine`) moves under a deploy and makes rollbacks lie.
 */
export const imagesRule: Rule = {
  id: 'images-pinned',
  description: 'docker images are pinned by version tag or digest',
  check: (jobFile) =>
    collect('images-pinned', jobFile, (report) => {
      for (const group of jobFile.job.group) {
        for (const task of group.task) {
          if (task.driver !== 'docker') continue;
          const where = `group ${group.name} / task ${task.name}`;
          const image = task.config?.image;
          if (image === undefined) {
            report(where, 'docker task without config.image');
            continue;
          }
          if (DIGEST.test(image)) continue;
          const tag = imageTag(image);
          if (tag === undefined) report(where, `image "${image}" has no tag (means latest)`);
          else if (tag === 'latest') report(where, `image "${image}" uses latest`);
          else if (!/\d/.test(tag)) report(where, `image "${image}" tag "${tag}" is not a version`);
        }
      }
    }),
};
