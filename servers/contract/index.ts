export * from './messages.ts';
export * from './transports.ts';
export * from './routes.ts';
export * from './errors.ts';
export * from './limits.ts';
export * from './cursor.ts';
export * from './validate.ts';
