/**
 * The house's layering is enforced by the linter, not by review: a server that imports the bench or
 * the report, a bench module that imports the report, and a report module that imports bench code
 * that runs, each fail `npm run lint`. And a transport's name stays in its registry entries and its room.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${file}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the layering', () => {
  it('keeps the servers from importing the bench or the report', async () => {
    expect(await restricted('servers/common/x.ts', "import { BENCH_OPTIONS } from '../../bench/run/options.ts';\nexport const x = BENCH_OPTIONS;\n")).toHaveLength(1);
    expect(await restricted('servers/x.ts', "import { renderReport } from '../report/render.ts';\nexport const x = renderReport;\n")).toHaveLength(1);
    expect(await restricted('servers/x.ts', "import { SERVER_OPTIONS } from './contract/index.ts';\nexport const x = SERVER_OPTIONS;\n")).toEqual([]);
    expect(await restricted('servers/x.ts', "import { main } from '../cli/bench.ts';\nexport const x = main;\n")).toHaveLength(1);
  });

  it('keeps the bench from importing the report, which the command above both runs', async () => {
    expect(await restricted('bench/run/x.ts', "import { writeReport } from '../../report/index.ts';\nexport const x = writeReport;\n")).toHaveLength(1);
    expect(await restricted('bench/x.ts', "import { comparePaired } from '../report/compare-paired.ts';\nexport const x = comparePaired;\n")).toHaveLength(1);
    expect(await restricted('bench/against/x.ts', "import type { Comparison } from '../../report/compare.ts';\nexport type X = Comparison;\n")).toHaveLength(1);
    expect(await restricted('bench/run/x.ts', "import { FIGURES } from '../model/results.ts';\nexport const x = FIGURES;\n")).toEqual([]);
    expect(await restricted('bench/run/x.ts', "import { main } from '../../cli/bench.ts';\nexport const x = main;\n")).toHaveLength(1);
    expect(await restricted('report/x.ts', "import { main } from '../cli/bench.ts';\nexport const x = main;\n")).toHaveLength(1);
    expect(await restricted('cli/x.ts', "import { writeReport } from '../report/index.ts';\nimport { runBench } from '../bench/run/run.ts';\nexport const x = [writeReport, runBench];\n")).toEqual([]);
  });

  it("lets the report read the bench's results model and nothing that runs", async () => {
    const model = ['model/results.ts', 'model/aggregate.ts', 'model/histogram.ts', 'model/format.ts', 'model/mann-whitney.ts', 'model/generator-limits.ts', 'model/trial-result.ts', 'model/capacity-words.ts'];
    for (const file of model) expect(await restricted('report/x.ts', `import * as m from '../bench/${file}';\nexport const x = m;\n`), file).toEqual([]);
    for (const file of ['run/trial.ts', 'run/run.ts', 'run/options.ts', 'cli.ts', 'transports.ts', 'generator/ipc.ts', 'capacity/search.ts', 'capacity/judge.ts', 'clients/index.ts', 'network/distance.ts', 'modelling.ts', 'model-x/results.ts']) {
      expect(await restricted('report/x.ts', `import * as m from '../bench/${file}';\nexport const x = m;\n`), file).toHaveLength(1);
    }
  });
});

/** Every file of a folder, recursively, relative to the repository. */
function filesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .map((f) => `${folder}/${f}`)
    .filter((f) => f.endsWith('.ts'));
}

describe('a transport is one room', () => {
  it("names the long-polling transport only in the registries and its own server's folder", () => {
    // The registries: the contract's facts, the servers and clients, the results model's facts, the bench's entry.
    const registries = ['servers/contract/transports.ts', 'servers/transports.ts', 'bench/model/results.ts', 'bench/transports.ts'];
    const naming = ['servers', 'bench', 'report'].flatMap(filesUnder).filter((f) => readFileSync(join(ROOT, f), 'utf8').includes("'long-polling'"));
    expect(naming.filter((f) => !registries.includes(f) && !f.startsWith('servers/long-polling/'))).toEqual([]);
    // The check reads what it means to: the registries name it.
    expect(naming).toEqual(expect.arrayContaining(registries));
  });
});
