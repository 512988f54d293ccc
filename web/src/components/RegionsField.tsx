import type { ApiError } from '../api.ts';
import type { Async } from '../hooks.ts';
import type { Region, WholeList } from '../types.ts';
import { CheckboxGroup } from './Field.tsx';
import { ErrorNotice } from './States.tsx';

/** A project's regions, one checkbox each of the deployment's (`GET /v1/regions`). */
export function RegionsField({ regions, selected, onChange, error }: { regions: Async<WholeList<Region>>; selected: string[]; onChange: (regions: string[]) => void; error: ApiError | undefined }) {
  if (!regions.data) return <ErrorNotice error={regions.error} />;
  return <CheckboxGroup legend="Regions" options={regions.data.data.map((r) => ({ value: r.id, label: r.id }))} selected={selected} onChange={onChange} param="regions" error={error} />;
}
