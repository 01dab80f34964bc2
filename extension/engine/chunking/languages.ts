/**
 * Which languages are chunked by syntax (tree-sitter-wasms grammars) and which node types are the definitions
 * a chunk is built around. Anything else that is text is chunked by line windows.
 */

export interface SyntaxLanguage {
  /** The language id stored with each chunk. */
  id: string;
  /** tree-sitter-wasms file name without 'tree-sitter-' and '.wasm'. */
  grammar: string;
  /** Node types that open a named scope (a chunk boundary and a symbol). */
  definitions: ReadonlySet<string>;
  /** Wrapper node types whose inner definition carries the name (decorators, export, template). */
  wrappers: ReadonlySet<string>;
}

const JS_DEFINITIONS = [
  'function_declaration', 'generator_function_declaration', 'class_declaration', 'abstract_class_declaration',
  'method_definition', 'interface_declaration', 'enum_declaration', 'type_alias_declaration', 'internal_module',
  'module', 'lexical_declaration', 'variable_declaration', 'function_signature', 'abstract_method_signature',
];
const JS_WRAPPERS = ['export_statement', 'ambient_declaration'];

function lang(id: string, grammar: string, definitions: string[], wrappers: string[] = []): SyntaxLanguage {
  return { id, grammar, definitions: new Set(definitions), wrappers: new Set(wrappers) };
}

const LANGUAGES: Record<string, SyntaxLanguage> = {
  typescript: lang('typescript', 'typescript', JS_DEFINITIONS, JS_WRAPPERS),
  tsx: lang('tsx', 'tsx', JS_DEFINITIONS, JS_WRAPPERS),
  javascript: lang('javascript', 'javascript', JS_DEFINITIONS, JS_WRAPPERS),
  python: lang('python', 'python', ['function_definition', 'class_definition'], ['decorated_definition']),
  go: lang('go', 'go', ['function_declaration', 'method_declaration', 'type_declaration']),
  java: lang('java', 'java', ['class_declaration', 'interface_declaration', 'enum_declaration', 'record_declaration',
    'method_declaration', 'constructor_declaration', 'annotation_type_declaration']),
  rust: lang('rust', 'rust', ['function_item', 'impl_item', 'struct_item', 'enum_item', 'trait_item', 'mod_item',
    'function_signature_item', 'macro_definition']),
  c: lang('c', 'c', ['function_definition', 'struct_specifier', 'enum_specifier', 'union_specifier']),
  cpp: lang('cpp', 'cpp', ['function_definition', 'class_specifier', 'struct_specifier', 'namespace_definition',
    'enum_specifier'], ['template_declaration']),
  csharp: lang('csharp', 'c_sharp', ['class_declaration', 'interface_declaration', 'struct_declaration',
    'enum_declaration', 'record_declaration', 'method_declaration', 'constructor_declaration', 'namespace_declaration',
    'property_declaration']),
  ruby: lang('ruby', 'ruby', ['method', 'singleton_method', 'class', 'module']),
  php: lang('php', 'php', ['function_definition', 'class_declaration', 'method_declaration', 'interface_declaration',
    'trait_declaration', 'enum_declaration', 'namespace_definition']),
};

const BY_EXTENSION: Record<string, string> = {
  ts: 'typescript', mts: 'typescript', cts: 'typescript', tsx: 'tsx', js: 'javascript', mjs: 'javascript',
  cjs: 'javascript', jsx: 'javascript', py: 'python', pyi: 'python', go: 'go', java: 'java', rs: 'rust', c: 'c',
  h: 'c', cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hpp: 'cpp', hh: 'cpp', hxx: 'cpp', cs: 'csharp', rb: 'ruby',
  php: 'php',
};

/** Plain-text language ids by extension, so that line-window chunks still say what they are. */
const TEXT_LANGUAGES: Record<string, string> = {
  md: 'markdown', markdown: 'markdown', json: 'json', yaml: 'yaml', yml: 'yaml', toml: 'toml', html: 'html',
  css: 'css', scss: 'scss', sh: 'shell', bash: 'shell', sql: 'sql', kt: 'kotlin', swift: 'swift', lua: 'lua',
  xml: 'xml', txt: 'text', rst: 'restructuredtext', vue: 'vue', svelte: 'svelte', scala: 'scala', dart: 'dart',
};

/** The syntax language of a path, or null when it is chunked by line windows. */
export function syntaxLanguageOf(relPath: string): SyntaxLanguage | null {
  const id = BY_EXTENSION[extensionOf(relPath)];
  return id ? LANGUAGES[id] : null;
}

/** The language id stored for a chunk of this path ('text' when unknown). */
export function languageIdOf(relPath: string): string {
  const ext = extensionOf(relPath);
  return BY_EXTENSION[ext] ?? TEXT_LANGUAGES[ext] ?? (ext || 'text');
}

export function allSyntaxLanguages(): SyntaxLanguage[] {
  return Object.values(LANGUAGES);
}

function extensionOf(relPath: string): string {
  const base = relPath.slice(relPath.lastIndexOf('/') + 1).toLowerCase();
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1) : '';
}
