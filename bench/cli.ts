/**
 * `npm run bench`: runs a scenario, writes one results file and its report (and
 * results/latest.json, results/latest.html), and prints where. Progress goes to stderr. Ctrl-C stops the servers and generators and keeps what was
 * measured; a second Ctrl-C quits at once. Nothing is left running, whatever happens.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { BENCH_OPTIONS, CAPACITY_OPTIONS, CAPACITY_QUICK_PRESET, CEILING_WARMUP_MS, CI_PRESET, QUICK_PRESET, parseTargets } from './options.ts';
import { UsageError, inWords, parseCommandLine, withFlagNames } from '../cli/index.ts';
import { TRANSPORTS, TRANSPORT_INFO } from '../servers/contract/index.ts';
import { formatOptionHelp, resolveOptions, toFlag } from '../cli/index.ts';
import { describeMachine } from './machine.ts';
import { createProgress } from './progress.ts';
import { RESULTS_SCHEMA_VERSION, type BenchResults, type BenchTransport } from './results.ts';
import { runBench } from './run.ts';
import { startBroker, type StartedBroker } from './broker.ts';
import { brokerNeeds, checkRedisUrl } from './cluster.ts';
import { SCENARIOS, applyOverrides, resolveScenario, withCapacity } from './scenarios.ts';
import { killAll } from './spawn.ts';
import { checkLossySupport, removeStaleNamespaces } from './lossy-net.ts';
import { formatSummary, summaryJson } from './summary.ts';
import { checkPid } from './proc-sampler.ts';
import { checkTargets } from './targets.ts';
import { checkTargetTransports } from './target-check.ts';
import { copyAsLatest, defaultResultsPath, displayPath, writeResults } from './write-results.ts';
import { reportPathFor, writeReport } from '../report/index.ts';

const USAGE = `Usage: npm run bench -- [options]

Runs a scenario against chat servers and the baselines, each server in its own process, and
writes a results file. The chat transports: ${inWords(TRANSPORTS.map((t) => TRANSPORT_INFO[t].label))}.

Examples:
  npm run bench                              the default comparison (about 3 minutes)
  npm run bench -- --quick                   the same, shorter (under a minute)
  npm run bench -- --ci                      the CI preset, for bench:compare (about a minute)
  npm run bench -- --scenario scale          100 to 5,000 clients
  npm run bench -- --scenario capacity --quick
                                             the most clients each transport serves (about 4 minutes)
  npm run bench -- --scenario my.json        a scenario from a file (see the README)
  npm run bench -- --scenario scale-out      1 to 4 instances of each transport on Redis
  npm run bench -- --scenario failover --quick
                                             kill an instance and restart Redis mid-run (about 2 minutes)
  npm run bench -- --backplane redis --instances 2
                                             any scenario on 2 instances sharing a Redis the bench starts
  npm run bench -- --scenario lossy --quick  0%, 1%, 3% and 5% packet loss (root, iproute2, nftables; about 5 minutes)
  npm run bench -- --transports websocket,raw-ws --duration-ms 20000
  npm run bench -- --target http://127.0.0.1:3000 --transports websocket
                                             a server already running (yours, in any language)
  npm run -s bench -- --json > run.json      the results JSON alone on stdout

Options:
${formatOptionHelp(BENCH_OPTIONS)}
  -h, --help                 show this help`;

/** What is written to the results in place of a token. */
const TOKEN_NOT_STORED = '(given, not stored)';

/** The command line without the token's value. */
function withoutToken(argv: readonly string[]): string[] {
  return argv.map((arg, i) => (argv[i - 1] === '--token' ? TOKEN_NOT_STORED : arg.startsWith('--token=') ? `--token=${TOKEN_NOT_STORED}` : arg));
}

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * `--target-pid PID,...`: one process id per --target URL, in the same order, each a running
 * process whose /proc this user can read. Errors name the bad value.
 */
function parseTargetPids(texts: readonly string[], transports: readonly BenchTransport[]): Partial<Record<BenchTransport, number>> {
  if (texts.length !== transports.length) {
    throw new Error(`--target-pid gives ${texts.length} process id(s) for ${transports.length} --target URL(s); give one per URL, in the same order`);
  }
  const out: Partial<Record<BenchTransport, number>> = {};
  texts.forEach((text, i) => {
    const problem = checkPid(text);
    if (problem) throw new Error(problem);
    out[transports[i] as BenchTransport] = Number(text);
  });
  return out;
}

async function main(argv: readonly string[]): Promise<number> {
  let given: Record<string, unknown>;
  try {
    const parsed = parseCommandLine(BENCH_OPTIONS, argv);
    if (parsed.help) {
      console.log(USAGE);
      return 0;
    }
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}; options are given as --name value`);
    given = parsed.values;
    if (given.quick === true && given.ci === true) throw new UsageError('--quick and --ci are two presets; give one of them');
  } catch (error) {
    console.error(`error: ${withFlagNames(BENCH_OPTIONS, (error as Error).message)}`);
    console.error('Run with --help to list the options.');
    return 2;
  }
  if (given.list === true) {
    for (const [name, make] of Object.entries(SCENARIOS)) console.log(`${name.padEnd(10)} ${make().description}`);
    return 0;
  }
  const quick = given.quick === true;
  const capacityRun = given.scenario === 'capacity';
  // A named scenario may ask --quick for a window of its own (a failover needs time for its faults).
  const named = typeof given.scenario === 'string' && Object.hasOwn(SCENARIOS, given.scenario) ? SCENARIOS[given.scenario]?.() : undefined;
  const preset: Readonly<Record<string, unknown>> = quick ? (capacityRun ? CAPACITY_QUICK_PRESET : { ...QUICK_PRESET, ...named?.quick }) : given.ci === true ? CI_PRESET : {};
  // An override the user did not give (nor the preset) is absent, so the scenario's value stands.
  const options = resolveOptions(BENCH_OPTIONS, { ...preset, ...given });
  let scenario;
  let targetUrls: Partial<Record<BenchTransport, string>> | undefined;
  let targetPids: Partial<Record<BenchTransport, number>> | undefined;
  let redisUrl: string | undefined;
  try {
    if (options.target.length > 0 && (options.instances !== undefined || options.backplane !== '' || options.redisUrl !== '')) {
      throw new Error('--instances, --backplane and --redis-url are for servers the bench starts, not --target');
    }
    if (options.target.length > 0 && options.tls) throw new Error('--tls is for the servers the bench starts (each makes its certificate); --target takes http:// servers');
    if (options.target.length > 0) targetUrls = parseTargets(options.target, options.transports);
    else if (options.token) throw new Error('--token is for --target: the servers the bench starts ask for no token');
    else if (options.targetPid.length > 0) throw new Error('--target-pid is for --target: the bench reads the servers it starts itself');
    if (targetUrls && options.targetPid.length > 0) targetPids = parseTargetPids(options.targetPid, Object.keys(targetUrls) as BenchTransport[]);
    const { rate, transports, ...overrides } = options;
    scenario = applyOverrides(resolveScenario(options.scenario), {
      ...overrides,
      ...(rate !== undefined ? { ratePerMember: rate } : {}),
      ...(transports.length > 0 ? { transports } : {}),
    });
    if (scenario.capacity) scenario = withCapacity(scenario, { ...options, pollIntervalGiven: given.pollIntervalMs !== undefined });
    else {
      const stray = CAPACITY_OPTIONS.find((name) => given[name] !== undefined);
      if (stray) throw new Error(`${toFlag(stray)} is for --scenario capacity; scenario ${scenario.name} runs fixed steps`);
    }
    redisUrl = checkRedisUrl(scenario, options.redisUrl);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
  // A server that is not what --transports says would be measured, and reported, as something it is not.
  if (targetUrls) {
    const mismatch = await checkTargetTransports(targetUrls, options.token);
    if (mismatch) {
      console.error(`error: ${mismatch}`);
      return 2;
    }
  }
  const startedAt = new Date().toISOString();
  const out = options.out || defaultResultsPath(startedAt, scenario.name);
  // Ceilings and micro-benchmarks where the scenario asks for them, unless skipped; never against
  // a target: they measure this project's own routes and functions, not the server under test.
  const runMicro = scenario.micro === true && !options.skipMicro && !targetUrls;
  const runCeilings = scenario.ceilings === true && !options.skipCeiling && !targetUrls;
  const live = process.stderr.isTTY === true && !process.env.CI;
  const progress = createProgress({ stream: process.stderr, live });
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nstopping: closing servers and generators, keeping what was measured (Ctrl-C again to quit now)\n');
      controller.abort();
      return;
    }
    void killAll().finally(() => process.exit(130));
  });
  process.on('SIGTERM', () => controller.abort());
  // After the handlers: a Ctrl-C during the check lets its probe namespace be deleted, then stops the run.
  if (scenario.steps.some((step) => step.lossPct !== undefined)) {
    // Never a silent 0% run: without what the lossy network needs, say so and stop.
    if (targetUrls) {
      console.error('error: --loss and the lossy scenario run the server inside a network namespace of their own, so they cannot be used with --target');
      return 2;
    }
    const missing = await checkLossySupport();
    if (missing) {
      console.error(`error: cannot run scenario ${scenario.name}: ${missing}`);
      return 1;
    }
    const stale = await removeStaleNamespaces();
    if (stale.length > 0) process.stderr.write(`deleted ${stale.length} network namespace(s) left by an earlier run that was killed: ${stale.join(', ')}\n`);
  }

  progress({ type: 'phase', phase: 'trials', detail: `scenario ${scenario.name}: ${scenario.description}` });
  if (targetUrls) {
    const list = Object.entries(targetUrls).map(([t, url]) => `${t} at ${url}`).join(', ');
    const measured = targetPids
      ? `CPU and RSS read from /proc of pid ${Object.values(targetPids).join(', ')}, heap, event-loop delay and connections not measured`
      : 'its CPU and memory not measured';
    progress({ type: 'phase', phase: 'trials', detail: `target: ${list}; no server started, ${measured}, no ceilings or micro-benchmarks` });
  }
  let broker: StartedBroker | undefined;
  if (brokerNeeds(scenario).redis && !redisUrl) {
    try {
      broker = await startBroker();
    } catch (error) {
      console.error(`error: ${(error as Error).message}`);
      return 2;
    }
    progress({ type: 'phase', phase: 'trials', detail: `backplane: redis-server started at ${broker.url} (no persistence; stopped after the run)` });
  } else if (redisUrl) progress({ type: 'phase', phase: 'trials', detail: `backplane: the Redis at ${redisUrl} (--redis-url)` });
  const outcome = await runBench(
    {
      scenario,
      ...(broker ? { broker } : redisUrl ? { broker: { url: redisUrl } } : {}),
      seed: options.seed,
      pin: options.pin,
      ...(targetUrls ? { target: { urls: targetUrls, ...(targetPids ? { pids: targetPids } : {}), runTag: `b${Date.now().toString(36)}`, ...(options.token ? { token: options.token } : {}) } } : {}),
      micro: runMicro ? { timeMs: options.microMs } : null,
      ceiling: !runCeilings
        ? null
        : {
            durationMs: options.ceilingMs,
            warmupMs: quick ? CEILING_WARMUP_MS.quick : CEILING_WARMUP_MS.normal,
            connections: options.ceilingConnections,
            rounds: options.ceilingRounds,
          },
    },
    progress,
    controller.signal,
  ).finally(() => broker?.stop());
  const results: BenchResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'chat-transport-bench', version },
    machine: describeMachine(),
    startedAt,
    finishedAt: new Date().toISOString(),
    status: outcome.status,
    config: {
      scenario,
      options: { ...options, token: options.token ? TOKEN_NOT_STORED : '' },
      argv: withoutToken(argv),
      ...(targetUrls ? { target: { urls: targetUrls, token: options.token !== '', ...(targetPids ? { pids: targetPids } : {}) } } : {}),
    },
    steps: outcome.steps,
    ...(outcome.capacity ? { capacity: outcome.capacity } : {}),
    ceilings: outcome.ceilings,
    micro: outcome.micro,
    targets: checkTargets(outcome.steps, outcome.ceilings),
    warnings: outcome.warnings,
  };
  await writeResults(results, out);
  const report = await writeReport(results, reportPathFor(out));
  await copyAsLatest(report);
  const shown = { results: displayPath(out), report: displayPath(report) };
  if (options.summaryOut) await writeFile(options.summaryOut, `${JSON.stringify(summaryJson(results, shown), null, 2)}\n`);
  process.stderr.write(`\n${formatSummary(results)}\n\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  const paths = options.json ? process.stderr : process.stdout;
  paths.write(`results: ${shown.results}\n`);
  paths.write(`report: ${shown.report}\n`);
  if (options.summaryOut) paths.write(`summary: ${displayPath(options.summaryOut)}\n`);
  return outcome.status === 'interrupted' ? 130 : outcome.status === 'failed' ? 1 : 0;
}

main(process.argv.slice(2))
  .then(async (code) => {
    await killAll();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    await killAll();
    process.exit(1);
  });
