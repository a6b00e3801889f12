export * from './types.ts';
export { createBenchClient, createClient, type BenchClient } from '../transports.ts';
