/**
 * Splits one file into chunks whose compressor input (the bundle's doc_template with {path} and {code}) fits
 * doc_max_tokens of the bundle's own tokenizer. Syntax-aware where a grammar exists: a chunk follows definitions
 * (functions, methods, classes), a definition too large for one chunk is split (a class into its members, a long
 * function into line windows), and small neighbours are packed together. Other text files get line windows.
 * Secret values (secret-values.ts) are replaced before anything is measured or cut, so no chunk carries one.
 */
import { createHash } from 'node:crypto';
import type { TextTokenizer } from '../engine-parts';
import { languageIdOf, syntaxLanguageOf } from './languages';
import { acceptsUnquotedValues, redactSecrets, type SecretKind } from './secret-values';
import { type OutlineNode, outlineOf } from './syntax-outline';

export interface Chunk {
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** Enclosing definition, qualified (`Repo.save`), or null for top-level code. */
  symbol: string | null;
  language: string;
  /**
   * The chunk's source lines (possibly cut inside one enormous line) with secret values replaced by REDACTED: the
   * only text of the chunk that the compressor and the lexical column ever see.
   */
  code: string;
  /**
   * sha256 of the chunk's source lines as they are on disk (joined with '\n', before redaction and cutting), so the
   * source preview can tell from the file whether they changed. Identical code anywhere (a copy, a rename, another
   * branch) shares one memory; redaction is decided line by line (a PEM key body from its BEGIN line), so equal
   * hashes mean equal `code` but for key-body lines chunked apart from their header.
   */
  contentHash: string;
  /** Secret values replaced in `code`: where (file line) and what kind, never the value. */
  redacted: Array<{ line: number; kind: SecretKind }>;
}

export interface ChunkBudget {
  tokenizer: TextTokenizer;
  /** manifest.doc_template: placeholders {path} and {code}. */
  docTemplate: string;
  /** manifest.doc_max_tokens. */
  docMaxTokens: number;
}

/** The exact compressor input text for a chunk. */
export function formatDoc(template: string, relPath: string, code: string): string {
  // split/join rather than replace(): a '$&' in source code must not be read as a replacement pattern.
  return template.split('{path}').join(relPath).split('{code}').join(code);
}

/** Leading lines above this share of the budget do not travel with the definition below them. */
const LEADING_SHARE = 0.25;

interface Segment {
  start: number;
  end: number;
  node: OutlineNode | null;
}

interface Piece {
  start: number;
  end: number;
  symbol: string | null;
}

class FileChunker {
  private readonly lineTokens: number[];
  private readonly codeBudget: number;

  /** `lines` are redacted (what chunks carry); `sourceLines` are the file's own, for content hashes. */
  constructor(
    private readonly relPath: string,
    private readonly lines: string[],
    private readonly sourceLines: string[],
    private readonly redactions: Array<{ line: number; kind: SecretKind }>,
    private readonly budget: ChunkBudget,
  ) {
    const overhead = budget.tokenizer.count(formatDoc(budget.docTemplate, relPath, ''));
    this.codeBudget = Math.max(8, budget.docMaxTokens - overhead);
    this.lineTokens = lines.map((line) => budget.tokenizer.count(`${line}\n`));
  }

  /** Token estimate of lines start..end (1-based, inclusive) as the sum of per-line counts. */
  private tokens(start: number, end: number): number {
    let sum = 0;
    for (let i = start; i <= end; i++) sum += this.lineTokens[i - 1];
    return sum;
  }

  /** Chunks a range that holds the given definitions, under an enclosing scope name. */
  syntaxPieces(start: number, end: number, nodes: OutlineNode[], scope: string | null): Piece[] {
    const segments: Segment[] = [];
    let cursor = start;
    for (const node of nodes) {
      const nodeStart = Math.max(node.startLine, cursor);
      const nodeEnd = Math.min(node.endLine, end);
      if (nodeEnd < nodeStart) continue;
      // Lines before a definition (comments, blank lines) travel with it when they are few; a long run of them
      // (imports, a module or class docstring) is a segment of its own, so it is not named after the definition.
      if (cursor < nodeStart && this.tokens(cursor, nodeStart - 1) > this.codeBudget * LEADING_SHARE) {
        segments.push({ start: cursor, end: nodeStart - 1, node: null });
        cursor = nodeStart;
      }
      segments.push({ start: cursor, end: nodeEnd, node });
      cursor = nodeEnd + 1;
    }
    if (cursor <= end) {
      if (segments.length > 0 && this.tokens(cursor, end) + this.tokens(segments[segments.length - 1].start,
        segments[segments.length - 1].end) <= this.codeBudget && !segments[segments.length - 1].node?.children.length) {
        segments[segments.length - 1].end = end;
      } else {
        segments.push({ start: cursor, end, node: null });
      }
    }

    const pieces: Piece[] = [];
    let pack: Segment[] = [];
    let packTokens = 0;
    const flush = () => {
      if (pack.length === 0) return;
      // A packed chunk is named after its largest definition: a one-line struct before a long method must not
      // rename the method's chunk.
      let named: Segment | null = null;
      let namedSize = -1;
      for (const s of pack) {
        const size = s.node ? this.tokens(s.node.startLine, Math.min(s.node.endLine, s.end)) : -1;
        if (s.node && size > namedSize) {
          named = s;
          namedSize = size;
        }
      }
      pieces.push({
        start: pack[0].start,
        end: pack[pack.length - 1].end,
        symbol: named?.node ? qualify(scope, named.node.name) : scope,
      });
      pack = [];
      packTokens = 0;
    };
    for (const seg of segments) {
      const size = this.tokens(seg.start, seg.end);
      if (size > this.codeBudget) {
        flush();
        if (seg.node && seg.node.children.length > 0) {
          pieces.push(...this.syntaxPieces(seg.start, seg.end, seg.node.children, qualify(scope, seg.node.name)));
        } else {
          pieces.push(...this.windowPieces(seg.start, seg.end, seg.node ? qualify(scope, seg.node.name) : scope));
        }
        continue;
      }
      if (packTokens + size > this.codeBudget) flush();
      pack.push(seg);
      packTokens += size;
    }
    flush();
    return pieces;
  }

  /** Consecutive line windows, each as long as the budget allows. */
  windowPieces(start: number, end: number, symbol: string | null): Piece[] {
    const pieces: Piece[] = [];
    // Balanced windows: n equal parts rather than full windows and a small remainder.
    const parts = Math.max(1, Math.ceil(this.tokens(start, end) / this.codeBudget));
    const target = Math.ceil(this.tokens(start, end) / parts);
    let pieceStart = start;
    let used = 0;
    for (let line = start; line <= end; line++) {
      const t = this.lineTokens[line - 1];
      if (used > 0 && (used + t > this.codeBudget || used + t / 2 > target)) {
        pieces.push({ start: pieceStart, end: line - 1, symbol });
        pieceStart = line;
        used = 0;
      }
      used += t;
    }
    if (pieceStart <= end) pieces.push({ start: pieceStart, end, symbol });
    // A few trailing lines (a closing brace) join the window before them when it has room.
    if (pieces.length >= 2) {
      const last = pieces[pieces.length - 1];
      const prev = pieces[pieces.length - 2];
      if (this.tokens(prev.start, last.end) <= this.codeBudget) {
        prev.end = last.end;
        pieces.pop();
      }
    }
    return pieces;
  }

  /**
   * Turns a piece into chunks whose exact formatted token count fits: per-line sums are an estimate (BPE can
   * merge across a line break), so an over-budget piece is halved, and a single enormous line is cut.
   */
  finish(piece: Piece, language: string, out: Chunk[]): void {
    let code = this.lines.slice(piece.start - 1, piece.end).join('\n');
    if (code.trim().length === 0) return;
    const fits = (text: string) =>
      this.budget.tokenizer.count(formatDoc(this.budget.docTemplate, this.relPath, text)) <= this.budget.docMaxTokens;
    if (!fits(code)) {
      if (piece.end > piece.start) {
        const mid = Math.floor((piece.start + piece.end) / 2);
        this.finish({ start: piece.start, end: mid, symbol: piece.symbol }, language, out);
        this.finish({ start: mid + 1, end: piece.end, symbol: piece.symbol }, language, out);
        return;
      }
      code = this.cutToFit(code, fits);
    }
    out.push({
      path: this.relPath,
      startLine: piece.start,
      endLine: piece.end,
      symbol: piece.symbol,
      language,
      code,
      contentHash: createHash('sha256').update(this.sourceLines.slice(piece.start - 1, piece.end).join('\n')).digest('hex'),
      redacted: this.redactions.filter((r) => r.line >= piece.start && r.line <= piece.end),
    });
  }

  /** Longest prefix of one line that fits (binary search over characters). */
  private cutToFit(line: string, fits: (text: string) => boolean): string {
    let lo = 0;
    let hi = line.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(line.slice(0, mid))) lo = mid;
      else hi = mid - 1;
    }
    return line.slice(0, lo);
  }
}

function qualify(scope: string | null, name: string): string {
  return scope ? `${scope}.${name}` : name;
}

/** Chunks one file's text. `relPath` is root-relative and '/'-separated, as the compressor sees it. */
export async function chunkFile(relPath: string, text: string, budget: ChunkBudget): Promise<Chunk[]> {
  const normalised = text.replace(/\r\n?/g, '\n');
  const redaction = redactSecrets(normalised, { unquotedValues: acceptsUnquotedValues(relPath) });
  const sourceLines = normalised.split('\n');
  const lines = redaction.text.split('\n'); // as many lines as the source: redaction keeps line breaks
  if (lines.length > 1 && lines[lines.length - 1] === '') {
    lines.pop(); // a final newline opens no new line
    sourceLines.pop();
  }
  const redactions = redaction.findings.map((f) => ({ line: f.line, kind: f.kind }));
  const chunker = new FileChunker(relPath, lines, sourceLines, redactions, budget);
  const syntax = syntaxLanguageOf(relPath);
  const language = languageIdOf(relPath);
  let pieces: Piece[] | null = null;
  if (syntax) {
    const outline = await outlineOf(text, syntax);
    if (outline) pieces = chunker.syntaxPieces(1, lines.length, outline, null);
  }
  pieces ??= chunker.windowPieces(1, lines.length, null);
  const chunks: Chunk[] = [];
  for (const piece of pieces) chunker.finish(piece, language, chunks);
  return chunks;
}
