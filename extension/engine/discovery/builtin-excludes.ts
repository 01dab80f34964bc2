/**
 * Files and folders the indexer never reads, whatever the workspace's ignore files say:
 * dependencies, build outputs, lock files, minified bundles, binaries by extension, and secrets.
 * Each rule carries the reason shown to the user (inspector, `clara index --json`).
 */

/** Folder names skipped wherever they appear: dependencies, VCS data, build outputs, caches. */
const EXCLUDED_DIRS = new Map<string, string>([
  ...['node_modules', 'bower_components', 'vendor/bundle'].map((d) => [d, 'dependencies']),
  ...['.git', '.hg', '.svn'].map((d) => [d, 'version control data']),
  ...['dist', 'out', 'build', 'target', '.next', '.nuxt', '.svelte-kit', 'coverage', '.gradle', '.output'].map(
    (d) => [d, 'build output'],
  ),
  ...['__pycache__', '.venv', 'venv', '.tox', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.cache', '.parcel-cache',
    '.turbo', '.clara', '.vscode-test', '.e2e'].map((d) => [d, 'cache or environment']),
  ...['.idea', '.vs'].map((d) => [d, 'editor metadata']),
] as [string, string][]);

const LOCK_FILES = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'Cargo.lock', 'poetry.lock',
  'Pipfile.lock', 'composer.lock', 'Gemfile.lock', 'go.sum', 'packages.lock.json', 'flake.lock', 'uv.lock',
]);

/** Secret-looking names: matched against the lower-cased base name. Never read, never indexed. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/^\.env(\..*)?$/, '.env*'],
  [/\.(pem|key|p12|pfx|keystore|jks|kdbx|ppk|asc|gpg)$/, '*.pem, *.key and other key stores'],
  [/^id_(rsa|dsa|ecdsa|ed25519)(\..*)?$/, 'id_rsa*'],
  [/^(\.netrc|\.pgpass|\.htpasswd|\.npmrc|\.pypirc|\.git-credentials|credentials(\.json)?|secrets?\.(json|ya?ml|toml))$/,
    'credentials file'],
];

/** Extensions whose content is never text worth compressing (content sniffing catches the rest). */
const BINARY_EXTENSIONS = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'webp', 'tiff', 'psd', 'pdf', 'zip', 'gz', 'tgz', 'bz2', 'xz', '7z', 'rar',
  'tar', 'jar', 'war', 'class', 'exe', 'dll', 'so', 'dylib', 'a', 'o', 'obj', 'lib', 'wasm', 'onnx', 'bin', 'dat', 'pyc',
  'pyo', 'woff', 'woff2', 'ttf', 'otf', 'eot', 'mp3', 'mp4', 'wav', 'ogg', 'webm', 'mov', 'avi', 'sqlite', 'db',
  'lance', 'arrow', 'parquet', 'npy', 'npz', 'pt', 'pth', 'safetensors', 'ckpt', 'h5', 'vsix', 'dmg', 'iso',
]);

/** Why a folder is skipped, or null when it is walked. */
export function excludedDirReason(name: string): string | null {
  const why = EXCLUDED_DIRS.get(name);
  return why ? `built-in exclude: ${why} (${name}/)` : null;
}

/** Why a file is skipped by name alone, or null when its content decides. */
export function excludedFileReason(name: string): string | null {
  const lower = name.toLowerCase();
  for (const [pattern, label] of SECRET_PATTERNS) {
    if (pattern.test(lower)) return `secret pattern (${label})`;
  }
  if (LOCK_FILES.has(name) || lower.endsWith('.lock')) return 'lock file';
  if (/\.min\.(js|mjs|cjs|css)$/.test(lower) || /\.(js|css)\.map$/.test(lower)) return 'minified bundle or source map';
  const dot = lower.lastIndexOf('.');
  if (dot > 0 && BINARY_EXTENSIONS.has(lower.slice(dot + 1))) return `binary file type (.${lower.slice(dot + 1)})`;
  return null;
}
