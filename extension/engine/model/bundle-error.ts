/**
 * A model bundle that cannot be used. The message always names the offending file so that the user (or CI) knows
 * which file to restore or re-export; `file` carries the same path for programmatic use.
 */
export class BundleError extends Error {
  override readonly name = 'BundleError';

  constructor(readonly file: string, problem: string) {
    super(`Model bundle file ${file}: ${problem}`);
  }
}
