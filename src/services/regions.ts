import type { Region } from '../config.ts';
import { InvalidRequestError } from './errors.ts';

/** The deployment's regions, from the configuration. */
export function createRegionCatalogue(regions: Region[], defaultRegion: string) {
  const known = new Set(regions.map((r) => r.id));
  return {
    list: () => regions,
    defaultRegion,
    /** Checks a project's region list: known, distinct, at least one. */
    validate(ids: string[], param = 'regions'): string[] {
      if (ids.length === 0) throw new InvalidRequestError('A project needs at least one region.', param);
      const seen = new Set<string>();
      ids.forEach((id, index) => {
        if (!known.has(id)) throw new InvalidRequestError(`Unknown region "${id}"; see GET /v1/regions.`, `${param}.${index}`, 'unknown_region');
        if (seen.has(id)) throw new InvalidRequestError(`Region "${id}" is listed twice.`, `${param}.${index}`);
        seen.add(id);
      });
      return ids;
    },
  };
}

export type RegionCatalogue = ReturnType<typeof createRegionCatalogue>;
