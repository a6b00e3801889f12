/**
 * Run before every test file, by the conformance command's vitest and by the project's
 * (vitest.config.ts): the cleanup of what the helpers started in a test (servers.ts), after it.
 * Registered here rather than where the helpers are: the project's unit files share their
 * worker's modules, and a hook a module registers when first imported reaches the first file only.
 */
import { afterEach } from 'vitest';
import { runCleanups } from './servers.ts';

afterEach(runCleanups);
