import { UnknownCursorError } from '../store/pagination.ts';
import { InvalidRequestError } from './errors.ts';

/**
 * One page of a list, read from the store. The store answers a cursor (`after`) that names nothing in
 * the list with its own plain UnknownCursorError; here it becomes the refusal the caller sees, a 400
 * naming `after`, as any other bad input.
 */
export async function listing<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof UnknownCursorError) throw new InvalidRequestError(error.message, 'after');
    throw error;
  }
}
