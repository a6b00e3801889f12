/**
 * The report's public entry: what the bench command (cli/bench.ts, above bench/ and report/) uses
 * to write a run's report as its last step. bench/ itself never imports report/, and the report
 * reads the results, never the bench.
 */
export { reportPathFor, writeReport } from './write-report.ts';
