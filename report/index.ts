/**
 * The report's public entry: what the bench command uses to write a run's report as its last
 * step. Nothing else of report/ is for the bench: the report reads the results, never the bench.
 */
export { reportPathFor, writeReport } from './write-report.ts';
