/**
 * `npm run bench -w @flowstack/consul-double`: sequential kept-alive answers of the APIs the
 * services call (agent registration reads, health discovery, KV config), and KV reads per CPU
 * second of the double's own process. Real Consul answers these on loopback well under 1 ms.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const TARGET_MEDIAN_MS = 1;
const TARGET_READS_PER_CPU_SECOND = 3000;
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 1000);
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 16;

function call(agent: Agent, url: string, method = 'GET', body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent, method }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end(body);
  });
}

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const child = spawn(process.execPath, [bin, '--port', '0', '--dns-port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [firstChunk] = (await once(child.stdout, 'data')) as [Buffer];
const url = (JSON.parse(firstChunk.toString('utf8').split('\n')[0]!) as { http: string }).http;

/** utime + stime of the double, in seconds (Linux /proc, 100 clock ticks a second). */
const cpuSeconds = (): number => {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

async function sequential(path: string): Promise<{ medianMs: number; p99Ms: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const start = performance.now();
    const status = await call(agent, `${url}${path}`);
    if (status !== 200) throw new Error(`${path}: ${status}`);
    times.push(performance.now() - start);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (q: number): number => Number(times[Math.floor(q * (times.length - 1))]!.toFixed(3));
  return { medianMs: at(0.5), p99Ms: at(0.99) };
}

try {
  const setup = new Agent({ keepAlive: true });
  await call(setup, `${url}/v1/kv/config/bench/rate`, 'PUT', '100');
  const service = JSON.stringify({ Name: 'bench-api', ID: 'bench-api-1', Port: 3000 });
  await call(setup, `${url}/v1/agent/service/register`, 'PUT', service);
  setup.destroy();
  const paths = ['/v1/agent/self', '/v1/health/service/bench-api', '/v1/kv/config/bench/rate'];
  const sequentialKeepAlive: Record<string, { medianMs: number; p99Ms: number }> = {};
  for (const path of paths) sequentialKeepAlive[path] = await sequential(path);

  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const deadline = performance.now() + LOAD_SECONDS * 1000;
  const cpuBefore = cpuSeconds();
  let reads = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        if ((await call(agent, `${url}/v1/kv/config/bench/rate`)) !== 200) throw new Error('kv');
        reads += 1;
      }
    }),
  );
  const kvReadsPerCpuSecond = Math.round(reads / Math.max(cpuSeconds() - cpuBefore, 0.01));
  agent.destroy();
  const targets = {
    medianUnder1ms: Object.values(sequentialKeepAlive).every((r) => r.medianMs < TARGET_MEDIAN_MS),
    kvReadsPerCpuSecond: kvReadsPerCpuSecond >= TARGET_READS_PER_CPU_SECOND,
  };
  const result = { sequentialKeepAlive, kvReadsPerCpuSecond, targets };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (Object.values(targets).includes(false)) process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
}
