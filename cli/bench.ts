/**
 * `npm run bench`: runs a scenario, writes one results file and its report (and
 * results/latest.json, results/latest.html), and prints where. Progress goes to stderr. Ctrl-C stops the servers and generators and keeps what was
 * measured; a second Ctrl-C quits at once. Nothing is left running, whatever happens.
 *
 * It sits above bench/ and report/, the one place a run and its report meet: bench/ never imports
 * report/ (the linter holds it to that).
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BENCH_OPTIONS, CAPACITY_OPTIONS, CAPACITY_QUICK_PRESET, CEILING_WARMUP_MS, CI_PRESET, QUICK_PRESET, parseTargets, type BenchOptions } from '../bench/run/options.ts';
import { UsageError, inWords, parseCommandLine, withFlagNames } from '../servers/common/command-line/index.ts';
import { TRANSPORTS, TRANSPORT_INFO } from '../servers/contract/index.ts';
import { formatOptionHelp, resolveOptions, toFlag, type OptionValues } from '../servers/common/command-line/index.ts';
import { describeMachine } from '../bench/run/machine.ts';
import { createProgress } from '../bench/run/progress.ts';
import { RESULTS_SCHEMA_VERSION, type BenchResults, type BenchTransport, type Scenario } from '../bench/model/results.ts';
import { runBench, type RunOutcome } from '../bench/run/run.ts';
import { startBroker, type StartedBroker } from '../bench/cluster/broker.ts';
import { brokerNeeds, checkRedisUrl } from '../bench/cluster/cluster.ts';
import { SCENARIOS, applyOverrides, resolveScenario, withCapacity } from '../bench/run/scenarios.ts';
import { killAll } from '../bench/run/spawn.ts';
import { checkLossySupport, removeStaleNamespaces } from '../bench/network/lossy-net.ts';
import { checkDistanceSupport } from '../bench/network/distance.ts';
import { formatSummary, summaryJson } from '../bench/run/summary.ts';
import { checkPid } from '../bench/run/proc-sampler.ts';
import { checkTargets } from '../bench/run/targets.ts';
import { checkTargetTransports } from '../bench/run/target-check.ts';
import { copyAsLatest, defaultResultsPath, displayPath, writeResults } from '../bench/run/write-results.ts';
import { reportPathFor, writeReport } from '../report/index.ts';
import { AGAINST_OPTIONS } from '../bench/against/options.ts';
import { runAgainstCommand } from './bench-against.ts';

const USAGE = `Usage: npm run bench -- [options]

Runs a scenario against chat servers and the baselines, each server in its own process, and
writes a results file. The chat transports: ${inWords(TRANSPORTS.map((t) => TRANSPORT_INFO[t].label))}.

Examples:
  npm run bench                              the default comparison (about 3 minutes)
  npm run bench -- --quick                   the same, shorter (54-56 s here)
  npm run bench -- --ci                      the CI preset, for bench:compare (about a minute)
  npm run bench -- --ci --against origin/main
                                             the paired CI gate: this tree and origin/main measured
                                             alternately in one job, then compared (about 3 minutes)
  npm run bench -- --scenario scale          100 to 5,000 clients
  npm run bench -- --scenario capacity --quick
                                             the most clients each transport serves (about 4 minutes)
  npm run bench -- --scenario my.json        a scenario from a file (see bench/README.md)
  npm run bench -- --scenario scale-out      1 to 4 instances of each transport on Redis
  npm run bench -- --scenario failover --quick
                                             kill an instance and restart Redis mid-run (about 2 minutes)
  npm run bench -- --backplane redis --instances 2
                                             any scenario on 2 instances sharing a Redis the bench starts
  npm run bench -- --scenario lossy --quick  0%, 1%, 3% and 5% packet loss (root, iproute2, nftables; about 5 minutes)
  npm run bench -- --scenario wan --quick    every chat transport at RTT 0, 20, 80 and 200 ms (root, iproute2, /dev/net/tun, a C compiler)
  npm run bench -- --transports websocket,raw-ws --duration-ms 20000
  npm run bench -- --target http://127.0.0.1:3000 --transports websocket
                                             a server already running (yours, in any language)
  npm run -s bench -- --json > run.json      the results JSON alone on stdout

Options:
${formatOptionHelp(BENCH_OPTIONS)}
  -h, --help                 show this help

The paired CI gate (docs/ci.md):
${formatOptionHelp(AGAINST_OPTIONS)}`;

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

/** A first Ctrl-C says what stops and aborts the run, a second calls `quit`; SIGTERM aborts. */
function stopOnSignals(controller: AbortController, stopping: string, quit: () => void): void {
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\nstopping: ${stopping} (Ctrl-C again to quit now)\n`);
      controller.abort();
      return;
    }
    quit();
  });
  process.on('SIGTERM', () => controller.abort());
}

/** The bench's options and the paired gate's, on one command line. */
const COMMAND_OPTIONS = { ...BENCH_OPTIONS, ...AGAINST_OPTIONS };

/** A command line resolved: its options, the scenario they make, and what to measure. */
interface ResolvedArguments {
  /** The bench's options as the user gave them (without the preset's). */
  readonly given: Readonly<Record<string, unknown>>;
  /** The bench's options, the preset's and the defaults included. */
  readonly options: BenchOptions;
  readonly quick: boolean;
  readonly scenario: Scenario;
  /** The paired gate's options (`gate.against` is '' without --against). */
  readonly gate: OptionValues<typeof AGAINST_OPTIONS>;
  /** `--max`, repeatable. */
  readonly max: readonly string[];
  /** The servers already running, with --target (undefined: the bench starts its own). */
  readonly targetUrls: Partial<Record<BenchTransport, string>> | undefined;
  readonly targetPids: Partial<Record<BenchTransport, number>> | undefined;
  /** `--redis-url`, checked (undefined: none given). */
  readonly redisUrl: string | undefined;
}

/**
 * Parses the command line, applies the preset, makes the scenario and checks the options against
 * each other. When there is nothing to run it prints the help, the scenarios or the error, and
 * returns the exit code instead: 0 for --help and --list, 2 for a usage error.
 */
function resolveArguments(argv: readonly string[]): ResolvedArguments | number {
  let given: Record<string, unknown>;
  let gate: OptionValues<typeof AGAINST_OPTIONS>;
  let max: string[];
  try {
    const parsed = parseCommandLine(COMMAND_OPTIONS, argv);
    if (parsed.help) {
      console.log(USAGE);
      return 0;
    }
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}; options are given as --name value`);
    // The gate's options apart from the bench's (--max, repeatable, is only in `repeated`).
    const { against, thresholds, alpha, markdown, ...bench } = parsed.values;
    given = bench;
    gate = resolveOptions(AGAINST_OPTIONS, { against, thresholds, alpha, markdown });
    max = parsed.repeated.max ?? [];
    if (given.quick === true && given.ci === true) throw new UsageError('--quick and --ci are two presets; give one of them');
    if (!gate.against) {
      const stray = max.length > 0 ? 'max' : (['thresholds', 'alpha', 'markdown'] as const).find((name) => parsed.values[name] !== undefined);
      if (stray) throw new UsageError(`--${stray} is for --against (the paired gate); to compare two results files, use npm run bench:compare`);
    } else if (given.json === true || given.summaryOut !== undefined) {
      throw new UsageError(`--against writes both sides' results and the comparison to a folder (--out); ${given.json === true ? '--json' : '--summary-out'} is for a single run`);
    }
  } catch (error) {
    console.error(`error: ${withFlagNames(COMMAND_OPTIONS, (error as Error).message)}`);
    console.error('Run with --help to list the options.');
    return 2;
  }
  if (given.list === true) {
    const width = Math.max(...Object.keys(SCENARIOS).map((name) => name.length));
    for (const [name, make] of Object.entries(SCENARIOS)) console.log(`${name.padEnd(width)} ${make().description}`);
    return 0;
  }
  const quick = given.quick === true;
  const capacityRun = given.scenario === 'capacity';
  // A named scenario may ask --quick for a window of its own (a failover needs time for its faults).
  const named = typeof given.scenario === 'string' && Object.hasOwn(SCENARIOS, given.scenario) ? SCENARIOS[given.scenario]?.() : undefined;
  const preset: Readonly<Record<string, unknown>> = quick ? (capacityRun ? CAPACITY_QUICK_PRESET : { ...QUICK_PRESET, ...named?.quick }) : given.ci === true ? CI_PRESET : {};
  // An override the user did not give (nor the preset) is absent, so the scenario's value stands.
  const options = resolveOptions(BENCH_OPTIONS, { ...preset, ...given });
  let scenario: Scenario;
  let targetUrls: Partial<Record<BenchTransport, string>> | undefined;
  let targetPids: Partial<Record<BenchTransport, number>> | undefined;
  let redisUrl: string | undefined;
  try {
    if (options.target.length > 0 && (options.instances !== undefined || options.backplane !== '' || options.redisUrl !== '' || options.socketioAdapter !== '')) {
      throw new Error('--instances, --backplane, --redis-url and --socketio-adapter are for servers the bench starts, not --target');
    }
    if (options.target.length > 0 && options.tls) throw new Error('--tls is for the servers the bench starts (each makes its certificate); --target takes http:// servers');
    if (options.target.length > 0) targetUrls = parseTargets(options.target, options.transports);
    else if (options.token) throw new Error('--token is for --target: the servers the bench starts ask for no token');
    else if (options.targetPid.length > 0) throw new Error('--target-pid is for --target: the bench reads the servers it starts itself');
    if (targetUrls && options.targetPid.length > 0) targetPids = parseTargetPids(options.targetPid, Object.keys(targetUrls) as BenchTransport[]);
    const { rate, transports, clients, ...overrides } = options;
    if (clients === 'browser' && targetUrls) throw new Error('--clients browser runs pages against the servers the bench starts; not with --target yet');
    scenario = applyOverrides(resolveScenario(options.scenario), {
      ...overrides,
      ...(clients ? { clients } : {}),
      ...(rate !== undefined ? { ratePerMember: rate } : {}),
      ...(transports.length > 0 ? { transports } : {}),
    });
    if (scenario.capacity) scenario = withCapacity(scenario, { ...options, pollIntervalGiven: given.pollIntervalMs !== undefined });
    else {
      const stray = CAPACITY_OPTIONS.find((name) => given[name] !== undefined);
      if (stray) throw new Error(`${toFlag(stray)} is for --scenario capacity; scenario ${scenario.name} runs fixed steps`);
    }
    redisUrl = checkRedisUrl(scenario, options.redisUrl);
    if (options.profile && targetUrls) throw new Error('--profile profiles the server the bench starts for each trial; with --target the bench starts none (profile your server with its own tools, node --cpu-prof for a Node one)');
    if (options.profile && scenario.steps.some((step) => (step.cluster?.instances ?? 1) > 1)) {
      throw new Error(`--profile profiles the one server process of each trial; scenario ${scenario.name} runs steps on several instances`);
    }
    if (gate.against && (targetUrls || scenario.capacity)) {
      throw new Error(`--against measures servers each side starts from its own code, round by round: ${targetUrls ? 'not --target' : 'not the capacity search'}`);
    }
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
  return { given, options, quick, scenario, gate, max, targetUrls, targetPids, redisUrl };
}

/**
 * The pre-check of --target: a server that is not what --transports says would be measured, and
 * reported, as something it is not. Prints the error and returns 2 when one is not; undefined when
 * there is no target or every server is what it should be.
 */
async function checkTarget({ targetUrls, options }: ResolvedArguments): Promise<number | undefined> {
  if (!targetUrls) return undefined;
  const mismatch = await checkTargetTransports(targetUrls, options.token);
  if (!mismatch) return undefined;
  console.error(`error: ${mismatch}`);
  return 2;
}

/**
 * The pre-check of a lossy or distant scenario: never a silent run on the plain loopback. Without
 * what the network needs it prints why and returns the exit code (2 with --target, 1 when this
 * machine lacks it); otherwise it deletes the namespaces a killed run left and returns undefined.
 */
async function checkNetwork({ scenario, targetUrls }: ResolvedArguments): Promise<number | undefined> {
  const lossy = scenario.steps.some((step) => step.lossPct !== undefined);
  const distant = scenario.steps.some((step) => step.distance !== undefined);
  if (!lossy && !distant) return undefined;
  if (targetUrls) {
    console.error(`error: ${distant ? '--rtt and the wan scenario' : '--loss and the lossy scenario'} run the server inside a network namespace of their own, so they cannot be used with --target`);
    return 2;
  }
  const missing = (lossy ? await checkLossySupport() : undefined) ?? (distant ? await checkDistanceSupport() : undefined);
  if (missing) {
    console.error(`error: cannot run scenario ${scenario.name}: ${missing}`);
    return 1;
  }
  const stale = await removeStaleNamespaces();
  if (stale.length > 0) process.stderr.write(`deleted ${stale.length} network namespace(s) left by an earlier run that was killed: ${stale.join(', ')}\n`);
  return undefined;
}

/** The results file's content: what the run measured, what it ran on, and how it was asked (the token left out). */
function assembleResults({ options, scenario, targetUrls, targetPids }: ResolvedArguments, argv: readonly string[], startedAt: string, outcome: RunOutcome): BenchResults {
  return {
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
}

/**
 * Writes the results file to `out`, its report beside it (both copied as results/latest.*) and, with
 * --summary-out, the summary as JSON; prints the summary to stderr, the results JSON to stdout with
 * --json, and where each file went.
 */
async function writeOutputs(results: BenchResults, options: BenchOptions, out: string): Promise<void> {
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
}

async function main(argv: readonly string[]): Promise<number> {
  const resolved = resolveArguments(argv);
  if (typeof resolved === 'number') return resolved;
  const { given, options, quick, scenario, gate, max, targetUrls, targetPids, redisUrl } = resolved;
  if (gate.against) {
    const controller = new AbortController();
    // The round running is told once, by the job: it stops its servers and keeps what it measured.
    stopOnSignals(controller, 'the round running stops its servers and keeps what it measured', () => process.exit(130));
    return runAgainstCommand(
      {
        argv,
        ref: gate.against,
        scenario,
        rounds: typeof given.rounds === 'number' ? given.rounds : undefined,
        out: options.out,
        max,
        thresholds: gate.thresholds,
        alpha: gate.alpha,
        markdown: gate.markdown,
      },
      controller.signal,
    );
  }
  const targetProblem = await checkTarget(resolved);
  if (targetProblem !== undefined) return targetProblem;
  const startedAt = new Date().toISOString();
  const out = options.out || defaultResultsPath(startedAt, scenario.name);
  // Ceilings and micro-benchmarks where the scenario asks for them, unless skipped; never against
  // a target: they measure this project's own routes and functions, not the server under test.
  const runMicro = scenario.micro === true && !options.skipMicro && !targetUrls;
  const runCeilings = scenario.ceilings === true && !options.skipCeiling && !targetUrls;
  const live = process.stderr.isTTY === true && !process.env.CI;
  const progress = createProgress({ stream: process.stderr, live });
  const controller = new AbortController();
  stopOnSignals(controller, 'closing servers and generators, keeping what was measured', () => void killAll().finally(() => process.exit(130)));
  // After the handlers: a Ctrl-C during the check lets its probe namespace be deleted, then stops the run.
  const networkProblem = await checkNetwork(resolved);
  if (networkProblem !== undefined) return networkProblem;

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
  // Profiles beside the results file, in a folder named after it.
  const profiles = options.profile ? { dir: `${out.replace(/\.json$/, '')}.profiles`, resultsDir: dirname(out) } : undefined;
  if (profiles) await mkdir(profiles.dir, { recursive: true });
  const outcome = await runBench(
    {
      scenario,
      ...(profiles ? { profiles } : {}),
      ...(broker ? { broker } : redisUrl ? { broker: { url: redisUrl } } : {}),
      seed: options.seed,
      pin: options.pin,
      ...(targetUrls ? { target: { urls: targetUrls, ...(targetPids ? { pids: targetPids } : {}), runTag: `b${Date.now().toString(36)}`, ...(options.token ? { token: options.token } : {}) } } : {}),
      // With --ci, once a round of the run, so that the gate has rounds of them to judge.
      micro: runMicro ? { timeMs: options.microMs, rounds: given.ci === true ? scenario.rounds : 1 } : null,
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
  await writeOutputs(assembleResults(resolved, argv, startedAt, outcome), options, out);
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
