/**
 * The only module that talks to tree-sitter (web-tree-sitter + tree-sitter-wasms grammars). It turns a source file
 * into a plain outline of named definitions (line ranges, nested), so the chunker never sees a syntax node.
 */
import * as path from 'node:path';
import Parser from 'web-tree-sitter';
import { packageRoot } from '../model/package-root';
import type { SyntaxLanguage } from './languages';

export interface OutlineNode {
  name: string;
  kind: string;
  /** 1-based, inclusive; includes decorators / export keywords of a wrapped definition. */
  startLine: number;
  endLine: number;
  children: OutlineNode[];
}

/** Definitions nested deeper than this are left inside their parent: guards pathological nesting. */
const MAX_OUTLINE_DEPTH = 24;
/** Syntax nodes visited per file before giving up on finer structure (huge generated files). */
const MAX_VISITED_NODES = 400_000;
/** A parse that takes longer than this falls back to line windows. */
const PARSE_TIMEOUT_MICROS = 5_000_000;

let initialised: Promise<void> | null = null;
const languages = new Map<string, Promise<Parser.Language>>();

function grammarDir(): string {
  try {
    return path.join(path.dirname(require.resolve('tree-sitter-wasms/package.json')), 'out');
  } catch {
    // Bundled code run from an unusual place: the package root (found by its package.json) holds node_modules.
    return path.join(packageRoot(), 'node_modules', 'tree-sitter-wasms', 'out');
  }
}

async function loadLanguage(grammar: string): Promise<Parser.Language> {
  initialised ??= Parser.init();
  await initialised;
  let pending = languages.get(grammar);
  if (!pending) {
    pending = Parser.Language.load(path.join(grammarDir(), `tree-sitter-${grammar}.wasm`));
    languages.set(grammar, pending);
  }
  return pending;
}

/** Parses `text` and returns its top-level definitions, or null when the parse failed or timed out. */
export async function outlineOf(text: string, language: SyntaxLanguage): Promise<OutlineNode[] | null> {
  const grammar = await loadLanguage(language.grammar);
  const parser = new Parser();
  try {
    parser.setLanguage(grammar);
    parser.setTimeoutMicros(PARSE_TIMEOUT_MICROS);
    let tree: Parser.Tree | null = null;
    try {
      tree = parser.parse(text);
    } catch {
      return null;
    }
    if (!tree) return null;
    try {
      return collect(tree.rootNode, language);
    } finally {
      tree.delete();
    }
  } finally {
    parser.delete();
  }
}

interface Frame {
  node: Parser.SyntaxNode;
  into: OutlineNode[];
  depth: number;
  /** The wrapper (export, decorator, template) whose start line the definition takes. */
  wrapperStart?: number;
}

/** Iterative walk (an explicit stack, never recursion) that keeps definition nodes and their nesting. */
function collect(root: Parser.SyntaxNode, language: SyntaxLanguage): OutlineNode[] {
  const top: OutlineNode[] = [];
  const stack: Frame[] = [];
  for (let i = root.namedChildCount - 1; i >= 0; i--) stack.push({ node: root.namedChild(i)!, into: top, depth: 0 });
  let visited = 0;
  while (stack.length > 0 && visited < MAX_VISITED_NODES) {
    const { node, into, depth, wrapperStart } = stack.pop()!;
    visited++;
    if (language.wrappers.has(node.type)) {
      const start = wrapperStart ?? node.startPosition.row;
      for (let i = node.namedChildCount - 1; i >= 0; i--) {
        stack.push({ node: node.namedChild(i)!, into, depth, wrapperStart: start });
      }
      continue;
    }
    let target = into;
    let childDepth = depth;
    if (language.definitions.has(node.type) && isDefinitionHere(node, depth)) {
      const name = nameOf(node);
      if (name !== null) {
        const entry: OutlineNode = {
          name,
          kind: node.type,
          startLine: (wrapperStart ?? node.startPosition.row) + 1,
          endLine: lastLine(node),
          children: [],
        };
        into.push(entry);
        target = entry.children;
        childDepth = depth + 1;
      }
    }
    if (childDepth >= MAX_OUTLINE_DEPTH) continue;
    for (let i = node.namedChildCount - 1; i >= 0; i--) {
      stack.push({ node: node.namedChild(i)!, into: target, depth: childDepth });
    }
  }
  return top;
}

/** Variable declarations only count at the top level (`export const handler = () => …`), not inside bodies. */
function isDefinitionHere(node: Parser.SyntaxNode, depth: number): boolean {
  if (node.type === 'lexical_declaration' || node.type === 'variable_declaration') return depth === 0;
  return true;
}

/** A node's end line, not counting a trailing newline that tree-sitter puts at column 0 of the next row. */
function lastLine(node: Parser.SyntaxNode): number {
  const end = node.endPosition;
  return end.column === 0 && end.row > node.startPosition.row ? end.row : end.row + 1;
}

const NAME_TYPES = new Set([
  'identifier', 'type_identifier', 'field_identifier', 'property_identifier', 'name', 'constant',
  'qualified_identifier', 'destructor_name', 'operator_name', 'scoped_identifier', 'namespace_identifier',
  'private_property_identifier', 'scoped_type_identifier', 'generic_type',
]);

function nameOf(node: Parser.SyntaxNode): string | null {
  switch (node.type) {
    case 'lexical_declaration':
    case 'variable_declaration': {
      const declarator = node.namedChildren.find((c) => c.type === 'variable_declarator');
      return declarator?.childForFieldName('name')?.text ?? null;
    }
    case 'method_declaration': {
      // Go: func (r *Repo) Save() → "Repo.Save"
      const receiver = node.childForFieldName('receiver');
      const name = node.childForFieldName('name')?.text ?? null;
      if (receiver && name) {
        const type = receiver.descendantsOfType('type_identifier')[0]?.text;
        return type ? `${type}.${name}` : name;
      }
      return name;
    }
    case 'type_declaration': {
      const spec = node.namedChildren.find((c) => c.type === 'type_spec' || c.type === 'type_alias');
      return spec?.childForFieldName('name')?.text ?? null;
    }
    case 'impl_item': {
      const type = node.childForFieldName('type')?.text ?? null;
      const trait = node.childForFieldName('trait')?.text;
      return type && trait ? `${type} as ${trait}` : type;
    }
    case 'function_definition': {
      const direct = node.childForFieldName('name');
      if (direct) return direct.text;
      return declaratorName(node.childForFieldName('declarator')); // C / C++
    }
    case 'struct_specifier': case 'class_specifier': case 'enum_specifier': case 'union_specifier':
      // Only definitions with a body open a scope; `struct foo *p;` is a use.
      if (!node.childForFieldName('body')) return null;
      return node.childForFieldName('name')?.text ?? null;
    case 'namespace_definition':
      return node.childForFieldName('name')?.text ?? '(anonymous namespace)';
    default: {
      const named = node.childForFieldName('name');
      if (named) return named.text;
      return null;
    }
  }
}

/** Follows C/C++ declarator chains (pointer, function, reference declarators) to the declared name. */
function declaratorName(start: Parser.SyntaxNode | null): string | null {
  let node = start;
  for (let guard = 0; node && guard < 16; guard++) {
    if (NAME_TYPES.has(node.type)) return node.text;
    node = node.childForFieldName('declarator') ?? node.namedChildren.find((c) => NAME_TYPES.has(c.type)) ?? null;
  }
  return null;
}
