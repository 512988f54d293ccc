import { useState } from 'react';
import type { ApiError } from '../api.ts';
import { SelectField, TextField } from './Field.tsx';

/** The fields every budget form asks for, and the request body they make. */
export const BUDGET_FIELDS = ['name', 'amount', 'tokens', 'period', 'hard', 'alert_emails'];

export function useBudgetFields() {
  const [amount, setAmount] = useState('');
  const [tokens, setTokens] = useState('');
  const [period, setPeriod] = useState<'day' | 'month'>('month');
  const [mode, setMode] = useState<'hard' | 'soft'>('hard');
  const [emails, setEmails] = useState('');
  const alertEmails = emails.split(',').map((e) => e.trim()).filter(Boolean);
  const body = {
    amount: Number(amount),
    ...(tokens.trim() ? { tokens: Number(tokens) } : {}),
    period,
    hard: mode === 'hard',
    ...(alertEmails.length > 0 ? { alert_emails: alertEmails } : {}),
  };
  const fields = (error: ApiError | undefined) => (
    <>
      <TextField label="Amount (USD)" type="number" min="0" step="any" value={amount} onChange={(e) => setAmount(e.target.value)} param="amount" error={error} autoFocus />
      <SelectField label="Period" value={period} onChange={(e) => setPeriod(e.target.value as 'day' | 'month')} param="period" error={error}>
        <option value="month">Month (UTC)</option>
        <option value="day">Day (UTC)</option>
      </SelectField>
      <SelectField label="When spent" value={mode} onChange={(e) => setMode(e.target.value as 'hard' | 'soft')} param="hard" error={error}>
        <option value="hard">Refuse calls (hard)</option>
        <option value="soft">Alert only (soft)</option>
      </SelectField>
      <TextField label="Token limit (optional)" type="number" min="1" value={tokens} onChange={(e) => setTokens(e.target.value)} param="tokens" error={error} />
      <TextField label="Alert emails (comma-separated)" value={emails} onChange={(e) => setEmails(e.target.value)} param="alert_emails" error={error} hint="Emailed at 50, 80 and 100%. Empty: you." />
    </>
  );
  return { body, fields };
}
