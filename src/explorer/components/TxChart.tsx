import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

import { formatMinute, type SeriesPoint } from '../format';

/**
 * Transactions per minute, valid and invalid stacked (recharts, SVG). Loaded as its own chunk
 * with the dashboard. Colours: a dark green and a dark red that keep 4.5:1 against white, plus
 * a legend, so the chart does not rely on telling them apart; the same numbers are in the table
 * beside it.
 */
export default function TxChart({ points }: { readonly points: readonly SeriesPoint[] }): ReactNode {
  const data = points.map((point) => ({ ...point, minute: formatMinute(point.start) }));
  return (
    <ResponsiveContainer width="100%" height={240}>
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="#d0d4d9" vertical={false} />
        <XAxis dataKey="minute" tick={{ fill: '#33383e', fontSize: 12 }} interval="preserveStartEnd" minTickGap={24} />
        <YAxis allowDecimals={false} tick={{ fill: '#33383e', fontSize: 12 }} />
        <Tooltip />
        <Legend />
        <Bar dataKey="valid" name="Valid" stackId="tx" fill="#1b6e3c" isAnimationActive={false} />
        <Bar dataKey="invalid" name="Invalid" stackId="tx" fill="#b3261e" isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}
