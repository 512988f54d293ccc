import { useState } from 'react';
import { del, get, patch, post } from '../api.ts';
import { SelectField, TextField } from '../components/Field.tsx';
import { FormCard } from '../components/FormCard.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Page } from '../components/Page.tsx';
import { ErrorNotice } from '../components/States.tsx';
import { formatTime } from '../format.ts';
import { useAction, useAsync, useInterval } from '../hooks.ts';
import { usePagedList } from '../paging.ts';
import { useProject } from '../session.tsx';
import type { Endpoint, EndpointTemplate, WholeList } from '../types.ts';

function CreateEndpointForm({ project, regions, onCreated }: { project: string; regions: string[]; onCreated: () => void }) {
  const templates = useAsync((signal) => get<WholeList<EndpointTemplate>>('/v1/dedicated_endpoints/templates', { signal }), []);
  const [templateIndex, setTemplateIndex] = useState(0);
  const [name, setName] = useState('');
  const [gpuType, setGpuType] = useState('');
  const [region, setRegion] = useState(regions[0] ?? '');
  const [minReplicas, setMin] = useState('1');
  const [maxReplicas, setMax] = useState('1');
  const action = useAction();
  const list = templates.data?.data ?? [];
  const template = list[templateIndex];
  if (templates.data && list.length === 0) return <p className="muted">This server has no endpoint templates configured.</p>;
  const submit = async () => {
    if (!template) return;
    const created = await action.run(() =>
      post<Endpoint>(
        '/v1/dedicated_endpoints',
        {
          name,
          model_name: template.model_name,
          flavor_name: template.flavor_name,
          gpu_type: gpuType || template.gpu_types[0],
          region,
          scaling: { min_replicas: Number(minReplicas), max_replicas: Number(maxReplicas) },
        },
        { project },
      ),
    );
    if (created) {
      setName('');
      onCreated();
    }
  };
  return (
    <FormCard
      title="New dedicated endpoint"
      submit="Create endpoint"
      busy={action.busy}
      disabled={!template}
      error={action.error}
      fields={['name', 'model_name', 'gpu_type', 'region', 'scaling.min_replicas', 'scaling.max_replicas']}
      onSubmit={submit}
    >
      <ErrorNotice error={templates.error} />
      <div className="grid-2">
        <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} param="name" error={action.error} />
        <SelectField label="Template" value={String(templateIndex)} onChange={(e) => setTemplateIndex(Number(e.target.value))} param="model_name" error={action.error}>
          {list.map((t, i) => (
            <option key={`${t.model_name}/${t.flavor_name}`} value={i}>
              {t.model_name} ({t.flavor_name})
            </option>
          ))}
        </SelectField>
        <SelectField label="GPU type" value={gpuType || template?.gpu_types[0] || ''} onChange={(e) => setGpuType(e.target.value)} param="gpu_type" error={action.error}>
          {(template?.gpu_types ?? []).map((g) => (
            <option key={g}>{g}</option>
          ))}
        </SelectField>
        <SelectField label="Region" value={region} onChange={(e) => setRegion(e.target.value)} param="region" error={action.error}>
          {regions.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </SelectField>
        <TextField label="Minimum replicas" type="number" min="1" value={minReplicas} onChange={(e) => setMin(e.target.value)} param="scaling.min_replicas" error={action.error} />
        <TextField label="Maximum replicas" type="number" min="1" value={maxReplicas} onChange={(e) => setMax(e.target.value)} param="scaling.max_replicas" error={action.error} />
      </div>
    </FormCard>
  );
}

export function Endpoints() {
  const project = useProject();
  const endpoints = usePagedList<Endpoint>('/v1/dedicated_endpoints', { project: project.id });
  const action = useAction();
  const settling = (endpoints.data?.data ?? []).some((e) => e.status === 'provisioning' || e.status === 'deleting');
  useInterval(endpoints.reload, 2000, settling);
  const act = async (work: () => Promise<unknown>) => {
    await action.run(work);
    endpoints.reload();
  };
  return (
    <Page title="Endpoints">
      <CreateEndpointForm project={project.id} regions={project.regions} onCreated={endpoints.reload} />
      <DataTable
        refusal={action.error}
        label="Dedicated endpoints"
        list={endpoints}
        what="endpoints"
        empty="No dedicated endpoints. Shared models need none: call them with an API key."
        columns={[
          { header: 'Name', cell: (endpoint) => endpoint.name },
          { header: 'Model', cell: (endpoint) => endpoint.model_name, className: 'mono' },
          { header: 'Routing key', cell: (endpoint) => endpoint.routing_key, className: 'mono' },
          { header: 'Region', cell: (endpoint) => endpoint.region },
          { header: 'Replicas', cell: (endpoint) => `${endpoint.scaling.min_replicas}–${endpoint.scaling.max_replicas} × ${endpoint.gpu_count} ${endpoint.gpu_type}` },
          {
            header: 'Status',
            cell: (endpoint) => (
              <>
                <span className={`badge ${endpoint.status}`}>{endpoint.status}</span>
                {!endpoint.enabled ? <span className="badge">disabled</span> : null}
              </>
            ),
          },
          { header: 'Created', cell: (endpoint) => formatTime(endpoint.created_at) },
        ]}
        actions={(endpoint) => (
          <>
            <button type="button" className="secondary" aria-label={`${endpoint.enabled ? 'Disable' : 'Enable'} ${endpoint.name}`} onClick={() => act(() => patch(`/v1/dedicated_endpoints/${endpoint.id}`, { enabled: !endpoint.enabled }, { project: project.id }))}>
              {endpoint.enabled ? 'Disable' : 'Enable'}
            </button>
            <button type="button" className="danger" aria-label={`Delete ${endpoint.name}`} onClick={() => act(() => del(`/v1/dedicated_endpoints/${endpoint.id}`, { project: project.id }))}>
              Delete
            </button>
          </>
        )}
      />
    </Page>
  );
}
