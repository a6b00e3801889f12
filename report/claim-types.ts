/** What a claim's check says: its verdict and the measured figures behind it. Types only, so that every claim module can name them without importing the others. */

export type ClaimVerdict = 'supported' | 'qualified' | 'refuted' | 'not measured';

export interface ClaimCheck {
  readonly claim: string;
  readonly verdict: ClaimVerdict;
  /** Sentences with the measured figures behind the verdict. */
  readonly evidence: readonly string[];
}
