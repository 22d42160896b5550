import { collect, type FindingSink } from '../findings.js';
import type { Group, Task, Template } from '../job-model.js';
import type { Rule } from '../rule.js';
import { taskEnvironment, type TaskEnvironment } from '../task-env.js';

const ALLOC_INDEX = '${NOMAD_ALLOC_INDEX}';
const RABBITMQ_IMAGE = /(^|\/)rabbitmq:/;
/** Erlang distribution: epmd and RabbitMQ's default distribution port (AMQP port + 20000). */
const ERLANG_PORTS = [4369, 25672];
const CLASSIC_NODE = /^\s*cluster_formation\.classic_config\.nodes\.\S+\s*=\s*(\S+)\s*$/gm;
const LOOP_OVER_ENV = /loop\s*\(\s*env\s+"([A-Za-z0-9_]+)"/;

/**
 * What a RabbitMQ group needs to be a cluster under Nomad, each item from the source it relies on:
 *
 * - A fixed node name per allocation, `rabbit@<host>` with the allocation index in it, and the
 *   group's network hostname equal to <host>: a member's data directory belongs to its node
 *   name, and its own CLI and epmd reach it by that host (RabbitMQ docs, "Node Names"). Nomad
 *   interpolates the hostname with the allocation's environment (client/allocrunner/
 *   network_hook.go, Prerun: taskenv.InterpolateNetworks).
 * - Peers' host names resolvable inside the namespace: in bridge mode no DNS knows
 *   "rabbitmq-1", so ERL_INETRC names an inetrc whose hosts_file is rendered from the Consul
 *   catalog (`service "..."`); the VM re-reads a changed hosts_file (erlang/otp
 *   lib/kernel/src/inet_db.erl, res_update_hosts).
 * - The Erlang ports on the host at the numbers they have inside (epmd advertises the in-
 *   namespace distribution port to the peers that ask it).
 * - Every member in the member list: classic_config reads cluster_formation.classic_config.nodes.*
 *   (rabbitmq-server deps/rabbit/src/rabbit_peer_discovery_classic_config.erl), and a fresh node
 *   missing from its own list never clusters (deps/rabbit/src/rabbit_peer_discovery.erl,
 *   can_use_discovered_nodes: "the list does not contain this node"), so the list holds the name
 *   of every allocation 0..count-1, written out or generated with `loop (env "X")` from an env
 *   var of at least the count. It may hold more: unreachable names are skipped, and a list sized
 *   for growth lets the count change without restarting a running member.
 * - Quorum queues by default (default_queue_type = quorum).
 * - The shared Erlang cookie from Vault (a `secret` template), never a literal in the job.
 * - Checks that mean membership: running members against the cluster's members
 *   (rabbit_nodes:list_running/0 and list_members/0, as deps/rabbit/src/
 *   rabbit_upgrade_preparation.erl uses them) or `rabbitmqctl await_online_nodes`
 *   (deps/rabbitmq_cli/lib/rabbitmq/cli/ctl/commands/await_online_nodes_command.ex), and the
 *   rolling gate `await_online_quorum_plus_one` (rabbit_upgrade_preparation.erl), so a deployment
 *   moves to the next member only when no quorum queue would lose its quorum.
 */
export const rabbitmqClusterRule: Rule = {
  id: 'rabbitmq-cluster',
  description:
    'a RabbitMQ cluster: node name per allocation, peers resolvable, full member list, quorum default, cookie from Vault, membership checks',
  check: (jobFile) =>
    collect('rabbitmq-cluster', jobFile, (report) => {
      for (const group of jobFile.job.group) {
        const count = group.count ?? 1;
        if (count <= 1) continue;
        for (const task of group.task) {
          if (!RABBITMQ_IMAGE.test(task.config?.image ?? '')) continue;
          checkMember(group, task, count, (where, message) =>
            report(`group ${group.name} / task ${task.name}${where}`, message),
          );
        }
      }
    }),
};

function checkMember(group: Group, task: Task, count: number, report: FindingSink): void {
  const env = taskEnvironment(task);
  const nodeName = env.literal.get('RABBITMQ_NODENAME');
  const hostname = group.network?.hostname;
  const host = nodeName?.split('@')[1];
  if (nodeName === undefined || !nodeName.includes(ALLOC_INDEX)) {
    report(
      '',
      `${count} members need RABBITMQ_NODENAME with ${ALLOC_INDEX} in it (found ${nodeName ?? 'none'})`,
    );
  } else if (host !== hostname) {
    report(
      '',
      `RABBITMQ_NODENAME host "${host}" differs from the network hostname "${hostname ?? 'unset'}"`,
    );
  }

  checkErlangPorts(group, report);
  checkPeerResolution(task, env, report);

  const config = task.template.find(
    (template) => env.literal.get('RABBITMQ_CONFIG_FILE') === `/${template.destination}`,
  );
  if (config === undefined) {
    report(
      '',
      'no template renders RABBITMQ_CONFIG_FILE: the member list and queue defaults live there',
    );
  } else {
    checkMemberList(config, env, count, hostname, report);
    if (!/^\s*default_queue_type\s*=\s*quorum\s*$/m.test(config.data ?? '')) {
      report(` / template ${config.destination}`, 'default_queue_type = quorum is missing');
    }
  }

  const cookie = task.template.find((template) =>
    /^\s*RABBITMQ_ERLANG_COOKIE=\{\{.*\}\}\s*$/m.test(template.data ?? ''),
  );
  if (env.literal.has('RABBITMQ_ERLANG_COOKIE')) {
    report('', 'RABBITMQ_ERLANG_COOKIE is written in the job: read it from Vault in a template');
  } else if (
    cookie === undefined ||
    cookie.env !== true ||
    !/\{\{\s*with secret /.test(cookie.data ?? '')
  ) {
    report(
      '',
      'members share no Erlang cookie: render RABBITMQ_ERLANG_COOKIE from a Vault secret (template env = true)',
    );
  }

  const scripts = group.service
    .flatMap((service) => service.check)
    .filter((check) => check.type === 'script')
    .map((check) => [check.command ?? '', ...(check.args ?? [])].join(' '));
  const membership = (script: string) =>
    script.includes('await_online_nodes') ||
    (script.includes('rabbit_nodes:list_running()') &&
      script.includes('rabbit_nodes:list_members()'));
  if (!scripts.some(membership)) {
    report(
      '',
      'no check means "in the cluster": compare rabbit_nodes:list_running() with list_members() (or rabbitmqctl await_online_nodes) in a script check',
    );
  }
  if (!scripts.some((script) => script.includes('await_online_quorum_plus_one'))) {
    report(
      '',
      'no check gates the rolling update on the quorum queues: add rabbitmq-upgrade await_online_quorum_plus_one',
    );
  }
}

function checkErlangPorts(group: Group, report: FindingSink): void {
  const ports = group.network?.port ?? [];
  for (const number of ERLANG_PORTS) {
    const port = ports.find((candidate) => candidate.to === number);
    if (port === undefined || port.static !== number) {
      report(
        '',
        `Erlang port ${number} must be on the host as static ${number} (found ${port?.static ?? 'none'}): peers dial the number epmd advertises`,
      );
    }
  }
}

function checkPeerResolution(task: Task, env: TaskEnvironment, report: FindingSink): void {
  const inetrcPath = env.literal.get('ERL_INETRC');
  const inetrc = task.template.find((template) => `/${template.destination}` === inetrcPath);
  const hostsPath = /\{hosts_file,\s*"([^"]+)"\}/.exec(inetrc?.data ?? '')?.[1];
  const hosts = task.template.find((template) => `/${template.destination}` === hostsPath);
  if (inetrc === undefined || hosts === undefined) {
    report(
      '',
      'peers cannot resolve each other: set ERL_INETRC to a rendered inetrc whose hosts_file is rendered from the Consul catalog',
    );
    return;
  }
  if (!/\{\{-?\s*range service "/.test(hosts.data ?? '')) {
    report(
      ` / template ${hosts.destination}`,
      'the hosts file is not rendered from the Consul catalog',
    );
  }
  if ((hosts.change_mode ?? 'restart') !== 'noop') {
    report(
      ` / template ${hosts.destination}`,
      'the VM re-reads its hosts_file; change_mode other than noop restarts members whenever a peer moves',
    );
  }
}

function checkMemberList(
  config: Template,
  env: TaskEnvironment,
  count: number,
  hostname: string | undefined,
  report: FindingSink,
): void {
  const data = config.data ?? '';
  const where = ` / template ${config.destination}`;
  if (!/cluster_formation\.peer_discovery_backend\s*=\s*classic_config/.test(data)) {
    report(where, 'peer discovery is not classic_config with a member list');
    return;
  }
  const loopVar = LOOP_OVER_ENV.exec(data)?.[1];
  if (loopVar !== undefined) {
    const loopCount = env.literal.get(loopVar);
    if (loopCount === undefined || !(Number(loopCount) >= count)) {
      report(
        where,
        `the member list loops over ${loopVar}=${loopCount ?? 'unset'} but the group runs ${count} members`,
      );
    }
    const generated = /nodes\.\{\{\s*\$i\s*\}\}\s*=\s*rabbit@(\S+?)\{\{\s*\$i\s*\}\}/.exec(
      data,
    )?.[1];
    if (hostname !== undefined && `${generated}${ALLOC_INDEX}` !== hostname) {
      report(
        where,
        `generated members rabbit@${generated ?? '?'}<i> are not the hostnames ${hostname}`,
      );
    }
    return;
  }
  const listed = [...data.matchAll(CLASSIC_NODE)].map((match) => match[1]!);
  const expected = Array.from(
    { length: count },
    (_, index) => `rabbit@${(hostname ?? '').replace(ALLOC_INDEX, String(index))}`,
  );
  const missing = expected.filter((name) => !listed.includes(name));
  if (missing.length > 0) {
    report(
      where,
      `the member list (${listed.join(', ') || 'empty'}) misses ${missing.join(', ')}: a member outside its own list never clusters`,
    );
  }
}
