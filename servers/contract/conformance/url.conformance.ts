/**
 * The conformance suite against the server `npm run conformance` was pointed at. Not a `*.test.ts`
 * file: `npm test` does not run it; servers/contract/conformance/cli.ts does, providing the target.
 */
import { inject } from 'vitest';
import { defineConformanceSuite } from './suite.ts';

const target = inject('conformanceTarget');
defineConformanceSuite(target, () => target.url);
