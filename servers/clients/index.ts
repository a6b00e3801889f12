export * from './types.ts';
export { createClient } from '../transports.ts';
