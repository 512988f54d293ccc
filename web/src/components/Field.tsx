import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import type { ApiError } from '../api.ts';

/** The message of a refusal that names this field (`param`, or a part of it like `regions.1`). */
export function errorFor(error: ApiError | undefined, param: string): string | undefined {
  const named = error?.error.param;
  if (!error || !named) return undefined;
  return named === param || named.startsWith(`${param}.`) ? error.message : undefined;
}

/** A refusal that names none of the form's fields: shown above its buttons. */
export function FormError({ error, fields = [] }: { error: ApiError | undefined; fields?: string[] }) {
  if (!error) return null;
  if (fields.some((field) => errorFor(error, field))) return null;
  return (
    <p className="error" role="alert">
      {error.message}
    </p>
  );
}

function FieldMessage({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <span id={id} className="field-error" role="alert">
      {message}
    </span>
  );
}

interface FieldProps {
  label: string;
  /** The request field: a refusal naming it is shown under this control. */
  param?: string;
  error?: ApiError | undefined;
  hint?: ReactNode;
}

/** What a control needs to be named by its label and described by its refusal or hint. */
export interface ControlProps {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

/**
 * A labelled control with the server's refusal of the field it stands for (`param`) right under it, or
 * its hint when there is none.
 */
export function FormField({ label, param, error, hint, children }: FieldProps & { children: (control: ControlProps) => ReactNode }) {
  const id = useId();
  const message = param ? errorFor(error, param) : undefined;
  const describedBy = message ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': message ? true : undefined, 'aria-describedby': describedBy })}
      {hint && !message ? (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      ) : null}
      <FieldMessage id={`${id}-error`} message={message} />
    </div>
  );
}

export function TextField({ label, param, error, hint, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  return <FormField {...{ label, param, error, hint }}>{(control) => <input {...control} {...input} />}</FormField>;
}

export function TextAreaField({ label, param, error, hint, ...input }: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return <FormField {...{ label, param, error, hint }}>{(control) => <textarea {...control} {...input} />}</FormField>;
}

export function SelectField({ label, param, error, hint, children, ...select }: FieldProps & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <FormField {...{ label, param, error, hint }}>
      {(control) => (
        <select {...control} {...select}>
          {children}
        </select>
      )}
    </FormField>
  );
}

export interface CheckboxOption {
  value: string;
  label: string;
}

/** A group of checkboxes in a fieldset whose legend names it. */
export function CheckboxGroup({
  legend,
  options,
  selected,
  onChange,
  param,
  error,
}: {
  legend: string;
  options: CheckboxOption[];
  selected: string[];
  onChange: (selected: string[]) => void;
  param?: string;
  error?: ApiError | undefined;
}) {
  const id = useId();
  const message = param ? errorFor(error, param) : undefined;
  const toggle = (value: string, on: boolean) => onChange(on ? [...selected, value] : selected.filter((v) => v !== value));
  return (
    <fieldset className="checkboxes" aria-describedby={message ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      {options.map((option) => (
        <label key={option.value} className="checkbox">
          <input type="checkbox" checked={selected.includes(option.value)} onChange={(event) => toggle(option.value, event.target.checked)} />
          {option.label}
        </label>
      ))}
      <FieldMessage id={`${id}-error`} message={message} />
    </fieldset>
  );
}
