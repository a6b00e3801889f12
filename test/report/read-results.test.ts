import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RESULTS_SCHEMA_VERSION, type FigureKey, type TrialResult } from '../../bench/model/results.ts';
import { readResults } from '../../report/read-results.ts';
import { figureCaveat, serverMeasured } from '../../report/select.ts';
import { defaultStep, results } from './fixture.ts';

const run = () => results([defaultStep()]);

const dir = mkdtempSync(join(tmpdir(), 'read-results-'));
function file(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** The fixture's run as a version of the bench that did not know `key` wrote it: the figure left out of every summary, each round changed by `round` (a field set to `undefined` leaves the JSON). */
function olderFile(name: string, key: FigureKey, round: (t: TrialResult) => object): string {
  const old = run();
  const steps = old.steps.map((step) => ({
    ...step,
    variants: step.variants.map((v) => {
      const figures: Partial<Record<FigureKey, unknown>> = { ...v.summary.figures };
      delete figures[key];
      return { ...v, summary: { ...v.summary, figures }, trials: v.trials.map(round) };
    }),
  }));
  return file(name, { ...old, steps });
}

describe('readResults', () => {
  it('reads the current schema as it is', () => {
    const read = readResults(file('current.json', run()));
    expect(read.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    expect(read.steps.length).toBe(run().steps.length);
  });

  it('reads a version 1, 2 or 3 file (a CI baseline kept from before --target, --target-pid or capacity) as the current version', () => {
    for (const version of [1, 2, 3]) {
      const read = readResults(file(`v${version}.json`, { ...run(), schemaVersion: version }));
      expect(read.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
      expect(read.steps).toEqual(run().steps);
    }
  });

  it("lists a figure the file was written without (the generator's CPU per message) as not measured", () => {
    const read = readResults(olderFile('before-generator-cpu.json', 'perDelivered.generatorCpuUs', (t) => ({ ...t, perDelivered: { ...t.perDelivered, generatorCpuUs: undefined } })));
    for (const v of read.steps.flatMap((s) => s.variants)) {
      expect(v.summary.notMeasured).toContain('perDelivered.generatorCpuUs');
      expect(v.summary.figures['perDelivered.generatorCpuUs'].median).toBeNaN();
      expect(v.summary.figures['perDelivered.serverCpuUs'].median).toBe(run().steps[0]?.variants.find((x) => x.variant.id === v.variant.id)?.summary.figures['perDelivered.serverCpuUs'].median);
    }
    expect(readResults(file('current-again.json', run())).steps[0]?.variants[0]?.summary.notMeasured).toBeUndefined();
  });

  it('lists the connections held per client as not measured in a file written before them, and still counts its server as measured', () => {
    const read = readResults(olderFile('before-connections-per-client.json', 'server.connectionsPerClient', (t) => ({ ...t, server: t.server && { ...t.server, connections: undefined } })));
    const [step] = read.steps;
    if (!step) throw new Error('the fixture has a step');
    for (const v of step.variants) {
      expect(v.summary.notMeasured).toEqual(['server.connectionsPerClient']);
      expect(figureCaveat(step, v, 'server.connectionsPerClient')?.why).toBe(
        'The connections the server holds were not recorded by the version of the bench that wrote this results file.',
      );
      // Its CPU, memory and event-loop delay were measured: claims that rest on them still do.
      expect(serverMeasured(v)).toBe(true);
    }
  });

  it('refuses a version it does not know, naming the file and the versions it reads', () => {
    const path = file('v9.json', { ...run(), schemaVersion: 9 });
    expect(() => readResults(path)).toThrow(`${path} has results schema version 9; this version reads 1 to ${RESULTS_SCHEMA_VERSION}`);
  });
});
