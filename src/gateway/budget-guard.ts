import { tokenCostMicroUsd, usdOfMicro, type TokenPrice } from '../lib/money.ts';
import { periodEnd, periodStart } from '../lib/periods.ts';
import { BudgetExceededError } from '../services/errors.ts';
import type { BudgetRecord } from '../store/budgets.ts';
import type { TokenUsage } from './sse-usage.ts';

/** What a scope spent in one period. */
export interface Spend {
  micro: number;
  tokens: number;
}

/** Who a budget counts: the organization, one project, or one API key. */
export type SpendScope = string;

export function scopeOf(budget: Pick<BudgetRecord, 'level' | 'organization_id' | 'project_id' | 'api_key_id'>): SpendScope {
  if (budget.level === 'api_key') return `k:${budget.api_key_id}`;
  if (budget.level === 'project') return `p:${budget.project_id}`;
  return `o:${budget.organization_id}`;
}

/** An organization's budgets and what each of their scopes spent in its current period, as the database has it. */
export interface OrganizationBudgets {
  budgets: BudgetRecord[];
  /** By budget id: what the budget's scope spent in the budget's period current when it was read. */
  spent: Map<string, Spend>;
}

export function counterKey(scope: SpendScope, period: BudgetRecord['period'], start: number): string {
  return `${scope}|${period}|${start}`;
}

/**
 * Spend counters several instances share (Redis). Each answers the totals it now holds, so the local
 * copy the hot path reads follows every instance's spend.
 */
export interface SharedSpendCounter {
  /** Sets each counter absent from the shared store to the database's total; answers what the store holds. */
  seed(entries: Array<[string, Spend]>): Promise<Spend[]>;
  add(key: string, spend: Spend): Promise<Spend>;
  read(keys: string[]): Promise<Spend[]>;
  close(): Promise<void>;
}

/** A threshold of a budget reached in a period: sent once per budget, period and threshold. */
export interface ThresholdReached {
  budget: BudgetRecord;
  periodStart: number;
  /** 50, 80 or 100 (percent). */
  threshold: number;
  spent: Spend;
}

export const ALERT_THRESHOLDS = [50, 80, 100] as const;

export interface BudgetGuardDeps {
  /** Reads an organization's budgets and current spend (a database query: on a miss only, never per request). */
  load(organizationId: string, now: number): Promise<OrganizationBudgets>;
  priceOf(model: string): TokenPrice | undefined;
  /** Unix seconds; injectable so tests can move into the next period. */
  clock: () => number;
  /** An organization's budgets are read again after this long even when no change was heard of. */
  maxStalenessMs: number;
  shared?: SharedSpendCounter | undefined;
  /** How often shared counters in use are read back, to see the other instances' spend. */
  sharedRefreshMs?: number;
  onThreshold(reached: ThresholdReached): void;
  log: (level: 'warn' | 'info' | 'error', message: string, fields: Record<string, unknown>) => void;
}

interface Held {
  budgets: BudgetRecord[];
  loadedAtMs: number;
}

/**
 * Hard budgets on the inference path, decided in memory: an organization's budgets are read once
 * (and again when a change is announced, or after the staleness bound), and what each scope spent is a
 * counter here, added to after each answer from its metered tokens. No request waits on the database
 * once its organization is held. With a shared counter (Redis) the counters follow every instance's
 * spend; without one each instance counts its own on top of what the database had when it read it.
 *
 * Admission reads spend before the call and records it after: calls admitted while a budget still
 * had room may together pass it by at most their own cost (the overshoot bound in docs/budgets.md).
 */
export function createBudgetGuard(deps: BudgetGuardDeps) {
  const held = new Map<string, Held>();
  const loading = new Map<string, Promise<Held>>();
  const counters = new Map<string, Spend>();
  /** Thresholds this instance already passed on, so a claim is tried once here rather than per call. */
  const announced = new Set<string>();
  let sharedDown = false;

  const counter = (key: string): Spend => {
    let spend = counters.get(key);
    if (!spend) {
      spend = { micro: 0, tokens: 0 };
      counters.set(key, spend);
    }
    return spend;
  };

  /** Never lowers a counter: a total read back may lag spend this instance recorded since. */
  const raise = (key: string, total: Spend) => {
    const spend = counter(key);
    spend.micro = Math.max(spend.micro, total.micro);
    spend.tokens = Math.max(spend.tokens, total.tokens);
  };

  const sharedFailed = (error: unknown) => {
    if (sharedDown) return;
    sharedDown = true;
    deps.log('warn', 'budget counters in Redis are unreachable: counting spend per instance until it answers again', { error: (error as Error).message });
  };
  const sharedAnswered = () => {
    if (!sharedDown) return;
    sharedDown = false;
    deps.log('info', 'budget counters in Redis answer again', {});
  };

  /** Counters of periods that have ended are of no use any longer. */
  function forgetEnded(now: number): void {
    for (const key of counters.keys()) {
      const [, period, start] = key.split('|');
      if (Number(start) < periodStart(period as BudgetRecord['period'], now)) counters.delete(key);
    }
  }

  async function load(organizationId: string): Promise<Held> {
    const now = deps.clock();
    forgetEnded(now);
    const state = await deps.load(organizationId, now);
    const entries = new Map<string, Spend>();
    for (const budget of state.budgets) {
      const spend = state.spent.get(budget.id);
      if (spend) entries.set(counterKey(scopeOf(budget), budget.period, periodStart(budget.period, now)), spend);
    }
    return adopt(organizationId, state.budgets, [...entries.entries()]);
  }

  async function adopt(organizationId: string, budgets: BudgetRecord[], entries: Array<[string, Spend]>): Promise<Held> {
    for (const [key, spend] of entries) raise(key, spend);
    if (deps.shared && entries.length > 0) {
      try {
        const totals = await deps.shared.seed(entries);
        totals.forEach((total, index) => raise(entries[index]![0], total));
        sharedAnswered();
      } catch (error) {
        sharedFailed(error);
      }
    }
    const next = { budgets, loadedAtMs: Date.now() };
    held.set(organizationId, next);
    return next;
  }

  function budgetsOf(organizationId: string): Held | Promise<Held> {
    const current = held.get(organizationId);
    if (current && Date.now() - current.loadedAtMs < deps.maxStalenessMs) return current;
    let pending = loading.get(organizationId);
    if (!pending) {
      pending = load(organizationId).finally(() => loading.delete(organizationId));
      loading.set(organizationId, pending);
    }
    // A stale entry still answers while it is read again; only a missing one waits.
    return current ?? pending;
  }

  function applies(budget: BudgetRecord, projectId: string, apiKeyId: string | null): boolean {
    if (budget.level === 'organization') return true;
    if (budget.level === 'project') return budget.project_id === projectId;
    return apiKeyId !== null && budget.api_key_id === apiKeyId;
  }

  function spentOf(budget: BudgetRecord, now: number): Spend {
    return counters.get(counterKey(scopeOf(budget), budget.period, periodStart(budget.period, now))) ?? { micro: 0, tokens: 0 };
  }

  const exhausted = (budget: BudgetRecord, spent: Spend) => spent.micro >= budget.amount_micro_usd || (budget.tokens !== null && spent.tokens >= budget.tokens);

  /** Also a threshold passed before this instance held the budget: the claim in the database keeps it to one alert. */
  function announce(budget: BudgetRecord, start: number, after: Spend): void {
    for (const threshold of ALERT_THRESHOLDS) {
      // On every answered call: a plain test, no closure made per threshold.
      const reached = after.micro >= (budget.amount_micro_usd * threshold) / 100 || (budget.tokens !== null && after.tokens >= (budget.tokens * threshold) / 100);
      if (!reached) continue;
      const key = `${budget.id}|${start}|${threshold}`;
      if (announced.has(key)) continue;
      announced.add(key);
      deps.onThreshold({ budget, periodStart: start, threshold, spent: { ...after } });
    }
  }

  let refresher: NodeJS.Timeout | undefined;
  if (deps.shared) {
    const shared = deps.shared;
    refresher = setInterval(() => {
      const keys = [...counters.keys()];
      if (keys.length === 0) return;
      shared.read(keys).then((totals) => {
        sharedAnswered();
        totals.forEach((total, index) => raise(keys[index]!, total));
      }, sharedFailed);
    }, deps.sharedRefreshMs ?? 250);
    refresher.unref();
  }

  return {
    /** The hard budget that refuses this call, if one is spent (the tightest, when several are). */
    async admit(target: { organizationId: string; projectId: string }, apiKeyId: string | null): Promise<BudgetExceededError | undefined> {
      const found = budgetsOf(target.organizationId);
      const { budgets } = found instanceof Promise ? await found : found;
      if (budgets.length === 0) return undefined;
      const now = deps.clock();
      let binding: BudgetRecord | undefined;
      for (const budget of budgets) {
        if (!budget.hard || !applies(budget, target.projectId, apiKeyId)) continue;
        if (!exhausted(budget, spentOf(budget, now))) continue;
        if (!binding || budget.amount_micro_usd < binding.amount_micro_usd) binding = budget;
      }
      if (!binding) return undefined;
      const retryAfter = Math.max(1, periodEnd(binding.period, now) - now);
      return new BudgetExceededError(
        { id: binding.id, level: binding.level, amount: usdOfMicro(binding.amount_micro_usd), tokens: binding.tokens, period: binding.period },
        retryAfter,
      );
    },

    /** Counts an answered call against every budget that applies to it; alerts on thresholds reached. */
    record(target: { organizationId: string; projectId: string; model: string }, apiKeyId: string | null, usage: TokenUsage | undefined): void {
      const state = held.get(target.organizationId);
      if (!state || state.budgets.length === 0) return;
      const tokens = (usage?.input ?? 0) + (usage?.output ?? 0);
      const micro = tokenCostMicroUsd(deps.priceOf(target.model), usage?.input ?? 0, usage?.output ?? 0);
      if (tokens === 0 && micro === 0) return;
      const now = deps.clock();
      const counted = new Set<string>();
      for (const budget of state.budgets) {
        if (!applies(budget, target.projectId, apiKeyId)) continue;
        const start = periodStart(budget.period, now);
        const key = counterKey(scopeOf(budget), budget.period, start);
        const spend = counter(key);
        if (!counted.has(key)) {
          counted.add(key);
          spend.micro += micro;
          spend.tokens += tokens;
          if (deps.shared && !sharedDown) {
            deps.shared.add(key, { micro, tokens }).then((total) => raise(key, total), sharedFailed);
          }
        }
        announce(budget, start, spend);
      }
    },

    /** A budget of the organization changed: read its budgets again at its next call. */
    invalidate(organizationId: string): void {
      // Its budgets' limits may have changed: their thresholds are claimed again (the database says whether to alert).
      for (const budget of held.get(organizationId)?.budgets ?? []) {
        for (const key of announced) if (key.startsWith(`${budget.id}|`)) announced.delete(key);
      }
      held.delete(organizationId);
    },

    clear(): void {
      held.clear();
    },

    /** Spend this instance counts for a budget now (for the effective chain's `enforced_spent`). */
    spentNow(budget: BudgetRecord): Spend {
      return { ...spentOf(budget, deps.clock()) };
    },

    async close(): Promise<void> {
      if (refresher) clearInterval(refresher);
      await deps.shared?.close();
    },
  };
}

export type BudgetGuard = ReturnType<typeof createBudgetGuard>;
