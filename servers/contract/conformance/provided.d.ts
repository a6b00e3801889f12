import type { ConformanceTarget } from './target.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The server `npm run conformance` checks. */
    conformanceTarget: ConformanceTarget;
  }
}
