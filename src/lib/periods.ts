/** Calendar days and months in UTC, as budgets count them. */
export type BudgetPeriod = 'day' | 'month';

/** The Unix second the period holding `now` began. */
export function periodStart(period: BudgetPeriod, now: number): number {
  const date = new Date(now * 1000);
  if (period === 'day') return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) / 1000;
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / 1000;
}

/** The Unix second the period holding `now` ends (the next one begins). */
export function periodEnd(period: BudgetPeriod, now: number): number {
  const date = new Date(now * 1000);
  if (period === 'day') return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1) / 1000;
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / 1000;
}
