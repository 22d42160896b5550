/**
 * `npm run bench -w @flowstack/vault-double`: how fast the double answers, so the local stack and
 * the request-path bench are not bound by it. Real Vault answers Transit on loopback in about a
 * millisecond; the targets below hold the double to that.
 *
 * The double runs in its own process (as in `npm run dev`); throughput is counted per CPU second
 * of that process, which stays meaningful on a shared, loaded machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';

const TARGET_MEDIAN_MS = 1;
const TARGET_ENCRYPT_PER_CPU_SECOND = 3000;
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 1000);
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 16;
const ROOT = 'bench-root';

interface Answer {
  status: number;
  body: string;
}

function call(agent: Agent, url: string, method = 'GET', body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method, headers: { 'X-Vault-Token': ROOT } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function startDouble(): Promise<{ child: ChildProcess; url: string }> {
  const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
  const child = spawn(process.execPath, [bin, '--port', '0', '--root-token', ROOT], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [firstChunk] = (await once(child.stdout, 'data')) as [Buffer];
  const line = firstChunk.toString('utf8').split('\n')[0]!;
  return { child, url: (JSON.parse(line) as { address: string }).address };
}

/** utime + stime of a process, in seconds (Linux /proc; clock ticks are 100 Hz there). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function sequential(
  url: string,
  method: string,
  body?: string,
): Promise<{ medianMs: number; p99Ms: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const start = performance.now();
    const answer = await call(agent, url, method, body);
    if (answer.status >= 400) throw new Error(`${url}: ${answer.status} ${answer.body}`);
    times.push(performance.now() - start);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (q: number): number =>
    Number(times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(3));
  return { medianMs: at(0.5), p99Ms: at(0.99) };
}

async function throughput(
  pid: number,
  url: string,
  body: string,
): Promise<{ perSecond: number; perCpuSecond: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const deadline = performance.now() + LOAD_SECONDS * 1000;
  const cpuBefore = cpuSeconds(pid);
  const start = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        const answer = await call(agent, url, 'POST', body);
        if (answer.status !== 200) throw new Error(`encrypt: ${answer.status} ${answer.body}`);
        done += 1;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuSeconds(pid) - cpuBefore;
  agent.destroy();
  return {
    perSecond: Math.round(done / seconds),
    perCpuSecond: Math.round(done / Math.max(cpu, 0.01)),
  };
}

const { child, url } = await startDouble();
try {
  const setup = new Agent({ keepAlive: true });
  await call(setup, `${url}/v1/sys/mounts/transit`, 'POST', JSON.stringify({ type: 'transit' }));
  await call(setup, `${url}/v1/transit/keys/bench`, 'POST', '{}');
  setup.destroy();
  const plaintext = JSON.stringify({
    plaintext: Buffer.from('customer@example.com').toString('base64'),
  });
  const health = await sequential(`${url}/v1/sys/health`, 'GET');
  const encrypt = await sequential(`${url}/v1/transit/encrypt/bench`, 'POST', plaintext);
  const load = await throughput(child.pid!, `${url}/v1/transit/encrypt/bench`, plaintext);
  const result = {
    sequentialKeepAlive: { health, transitEncrypt: encrypt },
    transitEncryptUnderLoad: { connections: CONNECTIONS, ...load },
    targets: {
      healthMedianUnder1ms: health.medianMs < TARGET_MEDIAN_MS,
      encryptMedianUnder1ms: encrypt.medianMs < TARGET_MEDIAN_MS,
      encryptPerCpuSecond: load.perCpuSecond >= TARGET_ENCRYPT_PER_CPU_SECOND,
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (Object.values(result.targets).includes(false)) process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
}
