import type { ReplicaAddress } from '../../store/endpoint-replicas.ts';
import type { EndpointRecord, EndpointStatus } from '../../store/endpoints.ts';

/** An operator's template: how to run one replica of a model. */
export interface EndpointTemplate {
  model_name: string;
  flavor_name: string;
  gpu_types: string[];
  command: string;
  /** In-flight requests per healthy replica above which the autoscaler adds one. */
  target_in_flight: number;
}

/** The fine-tuned weights an endpoint deployed from a fine-tuned model loads on top of its base. */
export interface AdapterSource {
  /** A local folder holding the adapter's files; fills `{adapter}`. */
  path: string;
  /** The name the gateway calls it by (the fine-tuned model id); fills `{adapter_name}`. */
  name: string;
}

/** A replica picked for one request; `release` must be called when the request ends. */
export interface ReplicaLease {
  url: string;
  release(): void;
}

/**
 * Runs a dedicated endpoint's replicas somewhere. The process provisioner runs them as local
 * processes; a Kubernetes provisioner would map the same calls onto a Deployment (see
 * docs/provisioners.md).
 */
export interface Provisioner {
  /** Makes the endpoint's replicas match its record: starts, scales or stops them. */
  apply(endpoint: EndpointRecord, template: EndpointTemplate, adapter?: AdapterSource): void;
  /** Stops every replica of the endpoint and forgets it. */
  remove(endpointId: string): Promise<void>;
  /** The next healthy replica, round-robin; undefined when none is ready. */
  acquire(endpointId: string): ReplicaLease | undefined;
  /** Replica count and health, the replicas' pids (where they are processes) and where they answer. */
  describe(endpointId: string): { replicas: number; healthy: number; pids: number[]; addresses: ReplicaAddress[] } | undefined;
  /** The endpoints it runs (or keeps stopped), by id. */
  running(): string[];
  close(): Promise<void>;
}

export type StatusListener = (endpointId: string, status: EndpointStatus) => void;

/** Where an endpoint's replicas answer now; an empty list once it has none. */
export type ReplicasListener = (endpointId: string, replicas: ReplicaAddress[]) => void;
