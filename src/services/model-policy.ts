import type { ModelPermissionsRecord } from '../store/gateway-settings.ts';

/** A project that never set its model permissions may use every model it can see. */
export const ALLOW_EVERYTHING: ModelPermissionsRecord = { mode: 'deny_list', model_ids: [], updated_at: 0 };

/** Whether a project's model permissions let it call the model (the same rule for listing and calling). */
export function allowedByPolicy(policy: ModelPermissionsRecord, model: string): boolean {
  const listed = policy.model_ids.includes(model);
  return policy.mode === 'allow_list' ? listed : !listed;
}
