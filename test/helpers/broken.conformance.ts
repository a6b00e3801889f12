/**
 * The conformance suite against every server of test/helpers/broken-batch.ts's run at once, each
 * under a describe of its name. Not a `*.test.ts` file: `npm test` runs it only through that batch.
 */
import { describe, inject } from 'vitest';
import { CONTRACT_DEFAULTS } from '../../servers/contract/conformance/target.ts';
import { defineConformanceSuite } from '../../servers/contract/conformance/suite.ts';
import { BROKEN_HISTORY_SIZE } from './broken-servers.ts';

for (const target of inject('brokenTargets')) {
  describe(target.name, () => {
    defineConformanceSuite(
      { transport: target.transport, historySize: BROKEN_HISTORY_SIZE, maxBodyBytes: CONTRACT_DEFAULTS.maxBodyBytes, ...(target.token === undefined ? {} : { token: target.token }) },
      () => target.url,
    );
  });
}
