import type { ThroughputFigures } from './http-throughput.ts';
import type { ListLatencyFigures } from './list-latency.ts';
import type { MachineInfo } from './machine.ts';
import type { AuthorizerFigures, PolicyFigures } from './policy.ts';

/** Everything one run measured: printed as tables and written whole as JSON. */
export interface MeasuredFigures {
  machine: MachineInfo;
  /** `git describe --always --dirty` of the tree measured: the server changes under the bench. */
  revision: string;
  command: string;
  policy: PolicyFigures;
  authorizer: AuthorizerFigures;
  throughput: ThroughputFigures;
  listLatency: ListLatencyFigures;
}

/** One aim of issue 2 against what was measured. */
export interface Aim {
  figure: string;
  measured: number;
  aim: string;
  met: boolean;
}

export interface BenchResults extends MeasuredFigures {
  aims: Aim[];
}
