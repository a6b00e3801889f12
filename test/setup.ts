/**
 * Run before every test file. The unit files share their worker's modules (vitest.config.ts,
 * isolate: false), so a hook a helper module registers when it is first imported attaches to the
 * first file that imports it only: the conformance helpers' cleanup (servers started in a test,
 * closed after it) is registered here for every file.
 */
import { afterEach } from 'vitest';
import { runCleanups } from '../servers/contract/conformance/servers.ts';

afterEach(runCleanups);
