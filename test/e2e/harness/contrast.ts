/**
 * WCAG contrast of rendered text against the background it actually sits on (the nearest ancestor with an opaque
 * background), read from the webview's computed styles. Used on the dark and light screenshots so that a theme
 * variable that resolves to nothing (text as dark as its background) fails the run instead of only looking wrong.
 */
import type { Locator } from 'playwright-core';

export interface ContrastSample {
  what: string;
  color: string;
  background: string;
  ratio: number;
}

function parseRgb(css: string): [number, number, number, number] {
  const m = /rgba?\(([^)]+)\)/.exec(css);
  if (!m) throw new Error(`unparsed colour "${css}"`);
  const parts = m[1].split(/[,\s/]+/).filter(Boolean).map(Number);
  return [parts[0], parts[1], parts[2], parts[3] ?? 1];
}

function luminance([r, g, b]: [number, number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrastRatio(fg: string, bg: string): number {
  const [a, b] = [luminance(parseRgb(fg)), luminance(parseRgb(bg))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

export async function sampleContrast(what: string, text: Locator): Promise<ContrastSample> {
  const { color, background } = await text.first().evaluate((el: any) => {
    const view = el.ownerDocument.defaultView;
    let node = el;
    let bg = 'rgba(0, 0, 0, 0)';
    while (node) {
      const c = view.getComputedStyle(node).backgroundColor;
      if (c && !/rgba\([^)]*,\s*0\)$/.test(c) && c !== 'transparent') { bg = c; break; }
      node = node.parentElement;
    }
    return { color: view.getComputedStyle(el).color as string, background: bg as string };
  });
  return { what, color, background, ratio: contrastRatio(color, background) };
}
