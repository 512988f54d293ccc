import { useState } from 'react';
import { get } from '../api.ts';
import { SelectField } from '../components/Field.tsx';
import { Table } from '../components/DataTable.tsx';
import { Page } from '../components/Page.tsx';
import { Empty, Loaded } from '../components/States.tsx';
import { formatNumber, formatUsd as usd, now } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { useProject } from '../session.tsx';
import type { SpendPage, UsagePage } from '../types.ts';

const RANGES: Record<string, { buckets: number; bucket: '1h' | '1d'; width: number }> = {
  '24 hours': { buckets: 24, bucket: '1h', width: 3600 },
  '7 days': { buckets: 7, bucket: '1d', width: 86400 },
  '30 days': { buckets: 30, bucket: '1d', width: 86400 },
};



type Metric = 'requests' | 'spend';
const METRICS: Record<Metric, { caption: string; show: (value: number) => string }> = {
  requests: { caption: 'Requests per period', show: (v) => `${v} requests` },
  spend: { caption: 'Spend per period (USD)', show: usd },
};

function Bars({ buckets, metric }: { buckets: Array<{ label: string; value: number }>; metric: Metric }) {
  const width = 560;
  const height = 140;
  const max = Math.max(metric === 'spend' ? 0.000001 : 1, ...buckets.map((b) => b.value));
  const slot = width / Math.max(1, buckets.length);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label={`${METRICS[metric].caption}, at most ${METRICS[metric].show(max)}`}>
        {buckets.map((b, i) => {
          const h = (b.value / max) * height;
          return (
            <g key={b.label}>
              <rect x={i * slot + 4} y={height - h} width={Math.max(2, slot - 8)} height={h} className="bar">
                <title>{`${b.label}: ${METRICS[metric].show(b.value)}`}</title>
              </rect>
              {buckets.length <= 10 || i % Math.ceil(buckets.length / 8) === 0 ? (
                <text x={i * slot + slot / 2} y={height + 14} textAnchor="middle">
                  {b.label}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>{METRICS[metric].caption}</figcaption>
    </figure>
  );
}

/** What the project's dedicated endpoints cost by the replica-hour (shown only when it has any). */
function EndpointSpend({ page, range, label }: { page: SpendPage; range: string; label: (time: number) => string }) {
  const lines = page.data.flatMap((b) => b.results.filter((r) => r.endpoint_id !== undefined).map((r) => ({ start: b.start_time, ...r })));
  if (lines.length === 0) return null;
  const total = lines.reduce((sum, r) => sum + r.amount.value, 0);
  return (
    <section aria-label="Dedicated endpoints">
      <h2>Dedicated endpoints</h2>
      <p>
        Spent on replica-hours in the last {range}: <strong data-testid="endpoint-spend">{usd(total)}</strong>
      </p>
      <Table
        label="Dedicated endpoints by period"
        rows={lines}
        rowKey={(r) => `${r.start}-${r.endpoint_id}`}
        columns={[
          { header: 'Period', cell: (r) => label(r.start) },
          { header: 'Endpoint', cell: (r) => r.endpoint_id ?? '', className: 'mono' },
          { header: 'Model', cell: (r) => r.model ?? '—', className: 'mono' },
          { header: 'Replica-hours', cell: (r) => ((r.replica_seconds ?? 0) / 3600).toFixed(2) },
          { header: 'Spend', cell: (r) => usd(r.amount.value) },
        ]}
      />
    </section>
  );
}

export function Usage() {
  const project = useProject();
  const [range, setRange] = useState('7 days');
  const [metric, setMetric] = useState<Metric>('requests');
  const { buckets, bucket, width } = RANGES[range]!;
  // Buckets start on whole hours or days (UTC), so that each one is a calendar hour or day.
  const start = (Math.floor(now() / width) - (buckets - 1)) * width;
  const usage = useAsync(
    (signal) => get<UsagePage>(`/v1/projects/${project.id}/usage`, { query: { start_time: start, bucket_width: bucket, group_by: 'model' }, signal }),
    [project.id, range],
  );
  // Dedicated endpoints' replica-hours are in the spend answer only, one line per endpoint and bucket.
  const spend = useAsync(
    (signal) => get<SpendPage>(`/v1/projects/${project.id}/spend`, { query: { start_time: start, bucket_width: bucket }, signal }),
    [project.id, range],
  );
  const label = (time: number) => {
    const date = new Date(time * 1000);
    return bucket === '1h'
      ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
      : date.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  };
  const valueAt = (page: UsagePage, time: number) =>
    page.data.find((b) => b.start_time === time)?.results.reduce((sum, r) => sum + (metric === 'spend' ? r.amount.value : r.num_model_requests), 0) ?? 0;
  const totalSpend = (page: UsagePage) => page.data.reduce((sum, b) => sum + b.results.reduce((s, r) => s + r.amount.value, 0), 0);
  const slots = Array.from({ length: buckets }, (_, i) => start + i * width);
  return (
    <Page title="Usage">
      <div className="filters">
        <SelectField label="Period" value={range} onChange={(e) => setRange(e.target.value)}>
          {Object.keys(RANGES).map((r) => (
            <option key={r}>{r}</option>
          ))}
        </SelectField>
        <SelectField label="Chart" value={metric} onChange={(e) => setMetric(e.target.value as Metric)}>
          <option value="requests">Requests</option>
          <option value="spend">Spend</option>
        </SelectField>
      </div>
      <Loaded state={usage} what="usage">
        {(page) =>
          page.data.length === 0 ? (
            <Empty>No requests in the last {range}. Usage shows here within seconds of a request.</Empty>
          ) : (
            <>
              <p>
                Spend in the last {range}: <strong data-testid="total-spend">{usd(totalSpend(page))}</strong>
              </p>
              <Bars metric={metric} buckets={slots.map((time) => ({ label: label(time), value: valueAt(page, time) }))} />
              <Table
                label="Usage by period and model"
                rows={page.data.flatMap((b) => b.results.map((r) => ({ start: b.start_time, ...r })))}
                rowKey={(r) => `${r.start}-${r.model}`}
                columns={[
                  { header: 'Period', cell: (r) => label(r.start) },
                  { header: 'Model', cell: (r) => r.model ?? '—', className: 'mono' },
                  { header: 'Requests', cell: (r) => formatNumber(r.num_model_requests) },
                  { header: 'Input tokens', cell: (r) => formatNumber(r.input_tokens) },
                  { header: 'Output tokens', cell: (r) => formatNumber(r.output_tokens) },
                  { header: 'Spend', cell: (r) => usd(r.amount.value) },
                ]}
              />
            </>
          )
        }
      </Loaded>
      {spend.data ? <EndpointSpend page={spend.data} range={range} label={label} /> : null}
    </Page>
  );
}
