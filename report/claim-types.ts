/** What a claim's check says: its verdict and the measured figures behind it. Types only, so that every claim module can name them without importing the others. */

/**
 * `not judged`: the run measured the figures, but the claim would rest on some the report
 * distrusts (a transport's latency in rounds the generator limited, or a transport that lost
 * messages); the evidence says which, after "not judged:".
 */
export type ClaimVerdict = 'supported' | 'qualified' | 'refuted' | 'not measured' | 'not judged';

export interface ClaimCheck {
  readonly claim: string;
  readonly verdict: ClaimVerdict;
  /** Sentences with the measured figures behind the verdict. */
  readonly evidence: readonly string[];
}
