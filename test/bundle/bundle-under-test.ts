/**
 * The bundle the model tests run on: CLARA_BUNDLE_DIR (CI points it at a freshly trained tiny bundle) or else the
 * default bundle of models/default.json.
 */
import * as path from 'node:path';
import { defaultBundleDir } from '../../extension/engine/model/load-bundle';

export function bundleUnderTest(): string {
  const fromEnv = process.env.CLARA_BUNDLE_DIR;
  return fromEnv ? path.resolve(fromEnv) : defaultBundleDir();
}
