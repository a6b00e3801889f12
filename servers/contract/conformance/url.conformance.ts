/**
 * The conformance suite against the server `npm run conformance` was pointed at. Not a `*.test.ts`
 * file: `npm test` does not run it; servers/contract/conformance/cli.ts does, providing the target.
 */
import { inject } from 'vitest';
import { defineConformanceSuite } from './suite.ts';
import { instances } from './target.ts';

const target = inject('conformanceTarget');
const urls = instances(target);
let turn = 0;
// Several instances (--also-url): each connection and request goes to the next one in turn.
defineConformanceSuite(target, () => urls[turn++ % urls.length] as string);
