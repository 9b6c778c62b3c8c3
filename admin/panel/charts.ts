/**
 * Server-side SVG bar charts: the geometry only (no chart library, no inline styles — the CSP
 * allows neither). Templates draw the rects and labels from what `barChart` returns.
 */

/** One bar to draw. */
export interface BarInput {
  /** Short axis label under the bar. */
  label: string;
  value: number;
  /** Tooltip (<title>) and screen-reader text. */
  title: string;
}

/** A laid-out bar: its rect, its axis label and its value label positions. */
interface Bar extends BarInput {
  x: number;
  y: number;
  w: number;
  h: number;
  /** Horizontal centre (for labels). */
  cx: number;
  valueLabel: string;
}

/** A laid-out chart. */
export interface BarChart {
  width: number;
  height: number;
  /** y of the axis line. */
  baseline: number;
  /** Left edge of the plot area. */
  left: number;
  bars: Bar[];
  /** Horizontal grid lines with their value labels. */
  grid: Array<{ y: number; label: string }>;
  max: number;
  /** True when every value is 0 (the template says so instead of drawing flat bars). */
  empty: boolean;
}

/** A "nice" axis maximum ≥ `v`: 1, 2 or 5 times a power of ten. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Lay out `points` as vertical bars in a `width` × `height` viewBox: a left gutter for the
 * value axis, a bottom band for labels, a quarter-step grid up to a nice maximum. Negative
 * values are drawn as 0.
 */
export function barChart(
  points: readonly BarInput[],
  opts: { width?: number; height?: number; format?: (n: number) => string } = {},
): BarChart {
  const width = opts.width ?? 480;
  const height = opts.height ?? 200;
  const format = opts.format ?? ((n: number) => n.toLocaleString("en-US"));
  const left = 48;
  const top = 16;
  const baseline = height - 28;
  const plotH = baseline - top;
  const plotW = width - left - 8;
  const max = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const slot = points.length ? plotW / points.length : plotW;
  const w = Math.max(2, slot * 0.7);
  const bars = points.map((p, i) => {
    const h = (Math.max(0, p.value) / max) * plotH;
    const x = left + i * slot + (slot - w) / 2;
    return {
      ...p,
      x: round1(x),
      y: round1(baseline - h),
      w: round1(w),
      h: round1(h),
      cx: round1(x + w / 2),
      valueLabel: format(p.value),
    };
  });
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => ({ y: round1(baseline - f * plotH), label: format(f * max) }))
    // A small integer axis would repeat labels (0, 0, 1, 1, 2): keep each label once.
    .filter((g, i, all) => i === 0 || g.label !== all[i - 1]?.label);
  return { width, height, baseline, left, bars, grid, max, empty: points.every((p) => p.value <= 0) };
}
