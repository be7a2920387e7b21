// Measures aws-local-stepfunctions running the EXPRESS benchmark machine of
// internal/emulator/asl (bench_test.go: Pass → Choice → Succeed) in one node
// process: sequential executions, then 32 concurrent. Run by
// scripts/bench-stepfunctions.sh, which installs the package next to it.
//
// Usage: node bench.mjs [seconds per phase]
import { StateMachine } from 'aws-local-stepfunctions';

const definition = {
  StartAt: 'P',
  States: {
    P: { Type: 'Pass', Parameters: { 'n.$': '$.n', kind: 'bench' }, Next: 'C' },
    C: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 0, Next: 'S' }], Default: 'S' },
    S: { Type: 'Succeed' },
  },
};

const seconds = Number(process.argv[2] || 5);
const machine = new StateMachine(definition);

async function once() {
  const res = await machine.run({ n: 1 }).result;
  if (res.n !== 1 || res.kind !== 'bench') throw new Error('unexpected output ' + JSON.stringify(res));
}

// phase runs `workers` loops of executions for `seconds` and reports
// executions per wall-clock second and per CPU second of this process.
async function phase(name, workers) {
  for (let i = 0; i < 2000; i++) await once(); // warm up the JIT
  const deadline = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  async function loop() {
    while (performance.now() < deadline) {
      await once();
      n++;
    }
  }
  await Promise.all(Array.from({ length: workers }, loop));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  console.log(JSON.stringify({ impl: 'aws-local-stepfunctions', phase: name, executions: n,
    execsPerSec: Math.round(n / wall), execsPerCpuSec: Math.round(n / cpuSec), rssMiB: Math.round(process.memoryUsage().rss / 1048576) }));
}

await phase('sequential', 1);
await phase('concurrent32', 32);
