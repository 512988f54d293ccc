/**
 * Money as the budgets count it: micro-dollars (USD 1 = 1 000 000), kept as doubles so that a token's
 * fraction of a micro-dollar is not rounded away call by call. A price of USD 1 per million tokens is one
 * micro-dollar per token, so a call's cost is its tokens times the prices as written.
 */
export interface TokenPrice {
  input_per_million_tokens: number;
  output_per_million_tokens: number;
}

export function tokenCostMicroUsd(price: TokenPrice | undefined, inputTokens: number, outputTokens: number): number {
  if (!price) return 0;
  return inputTokens * price.input_per_million_tokens + outputTokens * price.output_per_million_tokens;
}

/** USD as the API shows it: a decimal number rounded to the micro-dollar. */
export function usdOfMicro(micro: number): number {
  return Math.round(micro) / 1_000_000;
}

/** USD as a caller writes it, to whole micro-dollars. */
export function microOfUsd(usd: number): number {
  return Math.round(usd * 1_000_000);
}
