import { useRef, useState, type FormEvent } from 'react';
import { get, stream } from '../api.ts';
import { FormError, SelectField, TextAreaField } from '../components/Field.tsx';
import { Page } from '../components/Page.tsx';
import { ErrorNotice } from '../components/States.tsx';
import { asApiError, useAsync } from '../hooks.ts';
import { useProject } from '../session.tsx';
import type { ApiError } from '../api.ts';
import type { Model, WholeList } from '../types.ts';

interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

interface Chunk {
  choices?: Array<{ delta?: { content?: string | null } }>;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

export function Playground() {
  const project = useProject();
  const models = useAsync((signal) => get<WholeList<Model>>('/v1/models', { project: project.id, signal }), [project.id]);
  const [model, setModel] = useState('');
  const [system, setSystem] = useState('');
  const [input, setInput] = useState('');
  const [messages, setMessages] = useState<Message[]>([]);
  const [reply, setReply] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [usage, setUsage] = useState<string>('');
  const controller = useRef<AbortController | undefined>(undefined);
  const chosen = model || models.data?.data[0]?.id || '';

  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (!input.trim() || controller.current) return;
    const history: Message[] = [...messages, { role: 'user', content: input }];
    setMessages(history);
    setInput('');
    setError(undefined);
    setUsage('');
    setReply('');
    const abort = new AbortController();
    controller.current = abort;
    let text = '';
    try {
      const body = { model: chosen, stream: true, stream_options: { include_usage: true }, messages: system ? [{ role: 'system', content: system }, ...history] : history };
      for await (const chunk of stream<Chunk>('/v1/chat/completions', body, { project: project.id, signal: abort.signal })) {
        text += chunk.choices?.[0]?.delta?.content ?? '';
        setReply(text);
        if (chunk.usage) setUsage(`${chunk.usage.prompt_tokens} tokens in, ${chunk.usage.completion_tokens} out`);
      }
    } catch (caught) {
      if ((caught as Error).name !== 'AbortError') setError(asApiError(caught));
    } finally {
      controller.current = undefined;
      if (text) setMessages((current) => [...current, { role: 'assistant', content: text }]);
      setReply(undefined);
    }
  };

  return (
    <Page
      title="Playground"
      actions={
        <button type="button" className="secondary" onClick={() => setMessages([])} disabled={messages.length === 0 || reply !== undefined}>
          Clear chat
        </button>
      }
    >
      <ErrorNotice error={models.error} />
      <form className="card playground" onSubmit={send} noValidate>
        <SelectField label="Model" value={chosen} onChange={(e) => setModel(e.target.value)} param="model" error={error}>
          {(models.data?.data ?? []).map((m) => (
            <option key={m.id}>{m.id}</option>
          ))}
        </SelectField>
        <TextAreaField label="System message" rows={2} value={system} onChange={(e) => setSystem(e.target.value)} />
        <ol className="chat" aria-label="Conversation" aria-live="polite">
          {messages.map((m, i) => (
            <li key={i} className={m.role}>
              <strong>{m.role === 'user' ? 'You' : 'Model'}:</strong> {m.content}
            </li>
          ))}
          {reply !== undefined ? (
            <li className="assistant">
              <strong>Model:</strong> {reply || '…'}
            </li>
          ) : null}
        </ol>
        <TextAreaField label="Message" rows={3} value={input} onChange={(e) => setInput(e.target.value)} param="messages" error={error} />
        <FormError error={error} fields={['model', 'messages']} />
        <p className="muted" role="status">
          {usage}
        </p>
        <div className="actions">
          <button type="submit" disabled={reply !== undefined || !chosen}>
            Send
          </button>
          {reply !== undefined ? (
            <button type="button" className="secondary" onClick={() => controller.current?.abort()}>
              Stop
            </button>
          ) : null}
        </div>
      </form>
    </Page>
  );
}
