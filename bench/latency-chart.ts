/**
 * A grouped bar chart of latency percentiles as a standalone SVG: one group per percentile, one
 * bar per series. Hand-written because it is forty lines and a charting library would pull a
 * browser or a canvas into a benchmark.
 */
export interface ChartSeries {
  name: string;
  values: { p50Ms: number; p90Ms?: number; p99Ms: number; maxMs?: number };
}

const COLOURS = ['#2f6fb0', '#d9822b', '#3d9a5b', '#9b59b6'];
const escapeXml = (s: string) =>
  s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const label = (v: number) => (v >= 100 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString());

export function latencyChartSvg(title: string, series: ChartSeries[]): string {
  const percentiles = (['p50Ms', 'p90Ms', 'p99Ms', 'maxMs'] as const).filter((p) =>
    series.every((s) => Number.isFinite(s.values[p])),
  );
  const max = Math.max(1, ...series.flatMap((s) => percentiles.map((p) => s.values[p]!)));
  const width = 640;
  const height = 360;
  const left = 60;
  const bottom = 300;
  const top = 50;
  const groupWidth = (width - left - 20) / percentiles.length;
  const barWidth = Math.min(50, (groupWidth - 20) / series.length);
  const y = (v: number) => bottom - ((bottom - top) * v) / max;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
    `<line x1="${left}" y1="${bottom}" x2="${width - 10}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`,
    `<text x="16" y="${(top + bottom) / 2}" transform="rotate(-90 16 ${(top + bottom) / 2})" text-anchor="middle">ms</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${label(v)}</text>`);
    if (i > 0) parts.push(`<line x1="${left}" y1="${y(v)}" x2="${width - 10}" y2="${y(v)}" stroke="#ddd"/>`);
  }
  percentiles.forEach((p, gi) => {
    const gx = left + 10 + gi * groupWidth;
    series.forEach((s, si) => {
      const v = s.values[p]!;
      const x = gx + si * barWidth;
      parts.push(
        `<rect x="${x}" y="${y(v)}" width="${barWidth - 4}" height="${bottom - y(v)}" fill="${COLOURS[si % COLOURS.length]}"/>`,
      );
      parts.push(`<text x="${x + (barWidth - 4) / 2}" y="${y(v) - 4}" text-anchor="middle">${label(v)}</text>`);
    });
    parts.push(
      `<text x="${gx + (series.length * barWidth) / 2}" y="${bottom + 18}" text-anchor="middle">${p.replace('Ms', '')}</text>`,
    );
  });
  series.forEach((s, si) => {
    const x = left + 10 + si * 170;
    parts.push(`<rect x="${x}" y="${height - 30}" width="12" height="12" fill="${COLOURS[si % COLOURS.length]}"/>`);
    parts.push(`<text x="${x + 18}" y="${height - 20}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
