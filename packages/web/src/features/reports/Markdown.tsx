import type { ReactNode } from 'react';
import { safeLinkUrl } from './spec';

/**
 * A small Markdown renderer for report markdown blocks: headings, paragraphs, lists, fenced code, quotes and
 * inline bold / italic / code / links. It builds React elements (never HTML strings), so a report cannot inject
 * markup or scripts.
 */
export function Markdown({ text }: { text: string }) {
  return <div className="markdown">{blocksOf(text)}</div>;
}

function blocksOf(text: string): ReactNode[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: ReactNode[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const key = out.length;
    if (line.trim() === '') { i++; continue; }
    const fence = /^```(\S*)/.exec(line);
    if (fence) {
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) code.push(lines[i]!);
      i++;
      out.push(<pre key={key}><code data-language={fence[1] || undefined}>{code.join('\n')}</code></pre>);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const Tag = `h${Math.min(6, heading[1]!.length + 1)}` as 'h2';
      out.push(<Tag key={key}>{inline(heading[2]!)}</Tag>);
      i++;
      continue;
    }
    if (/^\s*([-*+]|\d+\.)\s+/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items: string[] = [];
      for (; i < lines.length && /^\s*([-*+]|\d+\.)\s+/.test(lines[i]!); i++) items.push(lines[i]!.replace(/^\s*([-*+]|\d+\.)\s+/, ''));
      const List = ordered ? 'ol' : 'ul';
      out.push(<List key={key}>{items.map((t, j) => <li key={j}>{inline(t)}</li>)}</List>);
      continue;
    }
    if (line.startsWith('>')) {
      const quoted: string[] = [];
      for (; i < lines.length && lines[i]!.startsWith('>'); i++) quoted.push(lines[i]!.replace(/^>\s?/, ''));
      out.push(<blockquote key={key}>{inline(quoted.join(' '))}</blockquote>);
      continue;
    }
    const para: string[] = [];
    for (; i < lines.length && lines[i]!.trim() !== '' && !/^(```|#{1,6}\s|>|\s*([-*+]|\d+\.)\s)/.test(lines[i]!); i++) para.push(lines[i]!);
    out.push(<p key={key}>{inline(para.join(' '))}</p>);
  }
  return out;
}

const INLINE = /(`[^`]+`|\*\*[^*]+\*\*|__[^_]+__|\*[^*]+\*|_[^_]+_|\[[^\]]+\]\([^)\s]+\))/;

/** Inline spans: `code`, **bold**, *italic*, [links](url); everything else is text. */
export function inline(text: string): ReactNode[] {
  return text.split(INLINE).filter((part) => part !== '').map((part, i) => {
    if (part.startsWith('`') && part.endsWith('`') && part.length > 1) return <code key={i}>{part.slice(1, -1)}</code>;
    if (/^(\*\*|__).+(\*\*|__)$/.test(part)) return <strong key={i}>{inline(part.slice(2, -2))}</strong>;
    if (/^[*_].+[*_]$/.test(part)) return <em key={i}>{inline(part.slice(1, -1))}</em>;
    const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(part);
    if (link) {
      const href = safeLinkUrl(link[2]);
      return href ? <a key={i} href={href} target="_blank" rel="noreferrer noopener">{link[1]}</a> : <span key={i}>{link[1]}</span>;
    }
    return part;
  });
}
