export * from './option-table.ts';
export * from './command-line.ts';
export * from './loopback.ts';
