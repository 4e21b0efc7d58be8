/**
 * An advisory's severity and CVSS base score from what OSV records carry: a CVSS vector in
 * `severity[]` (scored here), else a distribution's own rating (Ubuntu's `severity[].type
 * "Ubuntu"`, `database_specific.severity`, Debian's `ecosystem_specific.urgency`).
 */
import type { Severity } from '../../../shared/index.js';

/** CVSS v3.x base score. @see https://www.first.org/cvss/v3.1/specification-document §7.1 */
export function cvss3BaseScore(vector: string): number | null {
  const m = parseVector(vector, /^CVSS:3\.[01]\//);
  if (!m) return null;
  const W = {
    AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
    AC: { L: 0.77, H: 0.44 },
    UI: { N: 0.85, R: 0.62 },
    CIA: { H: 0.56, L: 0.22, N: 0 },
  } as const;
  const scopeChanged = m.S === 'C';
  const pr = { N: 0.85, L: scopeChanged ? 0.68 : 0.62, H: scopeChanged ? 0.5 : 0.27 }[m.PR as 'N' | 'L' | 'H'];
  const av = W.AV[m.AV as keyof typeof W.AV];
  const ac = W.AC[m.AC as keyof typeof W.AC];
  const ui = W.UI[m.UI as keyof typeof W.UI];
  const [c, i, a] = [m.C, m.I, m.A].map((x) => W.CIA[x as keyof typeof W.CIA]);
  if ([pr, av, ac, ui, c, i, a].some((x) => x === undefined) || (m.S !== 'U' && m.S !== 'C')) return null;
  const iss = 1 - (1 - c!) * (1 - i!) * (1 - a!);
  const impact = scopeChanged ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const exploitability = 8.22 * av * ac * pr! * ui;
  if (impact <= 0) return 0;
  return roundUp(scopeChanged ? Math.min(1.08 * (impact + exploitability), 10) : Math.min(impact + exploitability, 10));
}

/** CVSS v2 base score. @see https://www.first.org/cvss/v2/guide §3.2.1 */
export function cvss2BaseScore(vector: string): number | null {
  const m = parseVector(vector.replace(/^\(|\)$/g, ''), /^(CVSS:2\.0\/)?/);
  if (!m) return null;
  const av = { L: 0.395, A: 0.646, N: 1.0 }[m.AV as 'L'];
  const ac = { H: 0.35, M: 0.61, L: 0.71 }[m.AC as 'H'];
  const au = { M: 0.45, S: 0.56, N: 0.704 }[m.Au as 'M'];
  const [c, i, a] = [m.C, m.I, m.A].map((x) => ({ N: 0, P: 0.275, C: 0.66 })[x as 'N']);
  if ([av, ac, au, c, i, a].some((x) => x === undefined)) return null;
  const impact = 10.41 * (1 - (1 - c!) * (1 - i!) * (1 - a!));
  const exploitability = 20 * av! * ac! * au!;
  const f = impact === 0 ? 0 : 1.176;
  return Math.round((0.6 * impact + 0.4 * exploitability - 1.5) * f * 10) / 10;
}

function parseVector(vector: string, prefix: RegExp): Record<string, string> | null {
  if (!prefix.test(vector)) return null;
  const out: Record<string, string> = {};
  for (const part of vector.replace(prefix, '').split('/')) {
    const [k, v] = part.split(':');
    if (!k || !v) return null;
    out[k] = v;
  }
  return out;
}

/** CVSS v3.1's Roundup: the smallest one-decimal number ≥ x, robust to floating-point noise (Appendix A). */
function roundUp(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

/** The qualitative rating of a score. @see CVSS v3.1 §5 (None is our 'info'). */
export function severityOfScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'info';
}

/** Distribution ratings in words: Red Hat's "Important", Ubuntu's "negligible", Debian's "unimportant", GHSA's "MODERATE". */
export function severityOfWord(word: string | undefined): Severity | null {
  switch (word?.trim().toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'high':
    case 'important':
      return 'high';
    case 'medium':
    case 'moderate':
      return 'medium';
    case 'low':
      return 'low';
    case 'negligible':
    case 'unimportant':
    case 'none':
      return 'info';
    default:
      return null;
  }
}
