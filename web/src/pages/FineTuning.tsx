import { useState } from 'react';
import { get, post } from '../api.ts';
import { SelectField, TextField } from '../components/Field.tsx';
import { FormCard } from '../components/FormCard.tsx';
import { RunHead, RunsPage } from '../components/RunList.tsx';
import { LossChart } from '../components/LossChart.tsx';
import { Empty, ErrorNotice, Loaded } from '../components/States.tsx';
import { formatTime } from '../format.ts';
import { useAction, useAsync, useInterval } from '../hooks.ts';
import type { FileObject, Job, JobEvent, List, Model, WholeList } from '../types.ts';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

function CreateJobForm({ project, onCreated }: { project: string; onCreated: (job: Job) => void }) {
  const models = useAsync((signal) => get<WholeList<Model>>('/v1/models', { project, signal }), [project]);
  const files = useAsync((signal) => get<List<FileObject>>('/v1/files', { project, query: { purpose: 'fine-tune', limit: 100 }, signal }), [project]);
  const [model, setModel] = useState('');
  const [training, setTraining] = useState('');
  const [validation, setValidation] = useState('');
  const [suffix, setSuffix] = useState('');
  const action = useAction();
  const chosenModel = model || models.data?.data[0]?.id || '';
  const chosenTraining = training || files.data?.data[0]?.id || '';
  const submit = async () => {
    const job = await action.run(() =>
      post<Job>('/v1/fine_tuning/jobs', { model: chosenModel, training_file: chosenTraining, ...(validation ? { validation_file: validation } : {}), ...(suffix ? { suffix } : {}) }, { project }),
    );
    if (job) onCreated(job);
  };
  return (
    <FormCard title="New fine-tuning job" submit="Create job" busy={action.busy} error={action.error} fields={['model', 'training_file', 'validation_file', 'suffix']} onSubmit={submit}>
      <ErrorNotice error={models.error ?? files.error} />
      <div className="grid-2">
        <SelectField label="Model" value={chosenModel} onChange={(e) => setModel(e.target.value)} param="model" error={action.error}>
          {(models.data?.data ?? []).map((m) => (
            <option key={m.id} value={m.id}>
              {m.id}
            </option>
          ))}
        </SelectField>
        <SelectField label="Training file" value={chosenTraining} onChange={(e) => setTraining(e.target.value)} param="training_file" error={action.error}>
          {(files.data?.data ?? []).map((f) => (
            <option key={f.id} value={f.id}>
              {f.filename} ({f.id})
            </option>
          ))}
        </SelectField>
        <SelectField label="Validation file" value={validation} onChange={(e) => setValidation(e.target.value)} param="validation_file" error={action.error}>
          <option value="">None</option>
          {(files.data?.data ?? []).map((f) => (
            <option key={f.id} value={f.id}>
              {f.filename} ({f.id})
            </option>
          ))}
        </SelectField>
        <TextField label="Suffix" value={suffix} onChange={(e) => setSuffix(e.target.value)} param="suffix" error={action.error} hint="Letters, digits, - and _; part of the model's name." />
      </div>
      {files.data && files.data.data.length === 0 ? <p className="muted">Upload a fine-tune file on the Files page first.</p> : null}
    </FormCard>
  );
}

async function allEvents(project: string, job: string, signal: AbortSignal): Promise<JobEvent[]> {
  const events: JobEvent[] = [];
  let after: string | undefined;
  for (let page = 0; page < 10; page += 1) {
    const list = await get<List<JobEvent>>(`/v1/fine_tuning/jobs/${job}/events`, { project, query: { limit: 100, after }, signal });
    events.push(...list.data);
    if (!list.has_more || list.data.length === 0) break;
    after = list.data[list.data.length - 1]!.id;
  }
  return events;
}

function JobDetail({ project, jobId, onChanged }: { project: string; jobId: string; onChanged: () => void }) {
  const job = useAsync((signal) => get<Job>(`/v1/fine_tuning/jobs/${jobId}`, { project, signal }), [project, jobId]);
  const events = useAsync((signal) => allEvents(project, jobId, signal), [project, jobId]);
  const cancel = useAction();
  const running = job.data !== undefined && !FINISHED.has(job.data.status);
  useInterval(
    () => {
      job.reload();
      events.reload();
    },
    1000,
    running,
  );
  const points = (events.data ?? [])
    .filter((e) => e.type === 'metrics' && typeof e.data?.step === 'number' && typeof e.data?.train_loss === 'number')
    .map((e) => ({ step: e.data!.step as number, loss: e.data!.train_loss as number }))
    .sort((a, b) => a.step - b.step);

  return (
    <section className="card" aria-labelledby="job-title">
      <Loaded state={job} what="the job">
        {(current) => (
          <>
            <RunHead
              titleId="job-title"
              noun="Job"
              run={current}
              error={cancel.error}
              cancel={
                FINISHED.has(current.status)
                  ? null
                  : {
                      label: 'Cancel job',
                      busy: cancel.busy,
                      onClick: async () => {
                        await cancel.run(() => post<Job>(`/v1/fine_tuning/jobs/${current.id}/cancel`, {}, { project }));
                        job.reload();
                        onChanged();
                      },
                    }
              }
            >
              <dt>Model</dt>
              <dd className="mono">{current.model}</dd>
              <dt>Fine-tuned model</dt>
              <dd className="mono">{current.fine_tuned_model ?? '—'}</dd>
              <dt>Created</dt>
              <dd>{formatTime(current.created_at)}</dd>
              <dt>Finished</dt>
              <dd>{formatTime(current.finished_at)}</dd>
              {current.error?.message ? (
                <>
                  <dt>Error</dt>
                  <dd>{current.error.message}</dd>
                </>
              ) : null}
            </RunHead>
          </>
        )}
      </Loaded>
      <LossChart points={points} />
      <h3>Events</h3>
      <Loaded state={events} what="events">
        {(list) =>
          list.length === 0 ? (
            <Empty>No events yet.</Empty>
          ) : (
            <ol className="events" aria-label="Job events" aria-live="polite">
              {list.map((event) => (
                <li key={event.id} className={`level-${event.level}`}>
                  <time>{formatTime(event.created_at)}</time> {event.message}
                </li>
              ))}
            </ol>
          )
        }
      </Loaded>
    </section>
  );
}

export function FineTuning() {
  return (
    <RunsPage<Job>
      title="Fine-tuning"
      path="/v1/fine_tuning/jobs"
      heading="Jobs"
      noun="job"
      idHeader="Job"
      empty="No fine-tuning jobs yet."
      finished={FINISHED}
      columns={[{ header: 'Model', cell: (job) => job.model, className: 'mono' }, 'status', { header: 'Created', cell: (job) => formatTime(job.created_at) }]}
      form={(project, created) => <CreateJobForm project={project} onCreated={created} />}
      detail={(project, id, changed) => <JobDetail project={project} jobId={id} onChanged={changed} />}
    />
  );
}
