/**
 * `npm run bench`. The measuring harness is not built yet: rather than print numbers it did not
 * measure, the command says so and fails.
 */
console.error('npm run bench: the measuring harness is not built yet (see the README, "Status").');
console.error('The servers and clients are ready: try `npm run server -- --help` and `npm test`.');
process.exit(1);
