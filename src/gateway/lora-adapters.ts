import { ServiceError } from '../services/errors.ts';

/** Loads fine-tuned adapters into a shared model's upstream, once each, before the first call to them. */
export interface AdapterLoader {
  ensureLoaded(upstream: string, name: string, path: string): Promise<void>;
  /** The upstream no longer knows the adapter (it restarted): the next call loads it again. */
  forget(upstream: string, name: string): void;
}

class AdapterLoadError extends ServiceError {
  constructor(message: string) {
    super('api_error', message, null, 'upstream_error');
  }
}

/**
 * vLLM's runtime LoRA loading (`VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`, `--enable-lora`):
 * `POST <upstream>/load_lora_adapter {lora_name, lora_path}`; afterwards the adapter is called with
 * `model` = its name. `lora_path` is a folder on the upstream's own disk, so the upstream must see
 * Tenantry's data folder at the same path (same machine, or a shared mount).
 */
export function vllmAdapterLoader(options: { timeoutMs: number }): AdapterLoader {
  const loaded = new Map<string, Promise<void>>();
  const keyOf = (upstream: string, name: string) => `${upstream}\u0000${name}`;

  async function load(upstream: string, name: string, path: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(`${upstream.replace(/\/$/, '')}/load_lora_adapter`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ lora_name: name, lora_path: path }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch {
      throw new AdapterLoadError(`The model server for ${name} could not be reached to load its adapter.`);
    }
    const text = await response.text().catch(() => '');
    // Another server instance (or an earlier life of this one) may have loaded it already.
    if (response.ok || (response.status === 400 && /already been loaded/i.test(text))) return;
    throw new AdapterLoadError(`The model server for ${name} refused to load its adapter (HTTP ${response.status}).`);
  }

  return {
    ensureLoaded(upstream, name, path) {
      const key = keyOf(upstream, name);
      let pending = loaded.get(key);
      if (!pending) {
        pending = load(upstream, name, path);
        loaded.set(key, pending);
        pending.catch(() => {
          if (loaded.get(key) === pending) loaded.delete(key);
        });
      }
      return pending;
    },
    forget(upstream, name) {
      loaded.delete(keyOf(upstream, name));
    },
  };
}
