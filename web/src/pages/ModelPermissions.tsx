import { useState } from 'react';
import { get, post } from '../api.ts';
import { CheckboxGroup, SelectField } from '../components/Field.tsx';
import { FormCard } from '../components/FormCard.tsx';
import { Page } from '../components/Page.tsx';
import { Loaded } from '../components/States.tsx';
import { useAction, useAsync } from '../hooks.ts';
import { useProject } from '../session.tsx';
import type { Model, ModelPermissions as Permissions, WholeList } from '../types.ts';

function PermissionsForm({ project, current, models }: { project: string; current: Permissions; models: string[] }) {
  const [mode, setMode] = useState(current.mode);
  const [chosen, setChosen] = useState(current.model_ids);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  // A model named in the policy stays listed even where the server no longer serves it.
  const options = [...new Set([...models, ...current.model_ids])].map((id) => ({ value: id, label: id }));
  const submit = async () => {
    setSaved(false);
    if (await action.run(() => post<Permissions>(`/v1/projects/${project}/model_permissions`, { mode, model_ids: chosen }))) setSaved(true);
  };
  return (
    <FormCard title="Which models the project may call" submit="Save" busy={action.busy} error={action.error} fields={['mode', 'model_ids']} onSubmit={submit} done={saved ? 'Saved.' : undefined}>
      <SelectField label="Mode" value={mode} onChange={(e) => setMode(e.target.value as Permissions['mode'])} param="mode" error={action.error}>
        <option value="deny_list">Every model but those checked</option>
        <option value="allow_list">Only the models checked</option>
      </SelectField>
      <CheckboxGroup legend="Models" options={options} selected={chosen} onChange={setChosen} param="model_ids" error={action.error} />
    </FormCard>
  );
}

export function ModelPermissions() {
  const project = useProject();
  const state = useAsync(
    (signal) =>
      Promise.all([
        get<Permissions>(`/v1/projects/${project.id}/model_permissions`, { signal }),
        get<WholeList<Model>>('/v1/models', { project: project.id, signal }),
      ]).then(([current, models]) => ({ current, models: models.data.map((m) => m.id) })),
    [project.id],
  );
  return (
    <Page title="Model permissions" intro={`A model refused here answers 403 to every key of ${project.name}.`}>
      <Loaded state={state} what="model permissions">
        {({ current, models }) => <PermissionsForm project={project.id} current={current} models={models} />}
      </Loaded>
    </Page>
  );
}
