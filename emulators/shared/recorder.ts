/**
 * A recording hook for both emulators: every response they send over HTTP (status, method, path and
 * the parsed JSON body) is handed to a callback. The official-types test uses it to type-check every
 * 2xx body against the SDKs' response types; it is off unless an emulator is given `recorder`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RecordedResponse {
  /** "Notion" or "Google". */
  emulator: string;
  method: string;
  /** Path and query as requested, e.g. /calendar/v3/calendars/primary/events?singleEvents=true. */
  url: string;
  status: number;
  /** The parsed JSON body; undefined for an empty or non-JSON body. */
  body: unknown;
}

export type ResponseRecorder = (r: RecordedResponse) => void;

/** Wraps a request handler so each response's status and body reach `recorder` when it ends. */
export function recording(
  emulator: string,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  recorder: ResponseRecorder,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    (res as { end: unknown }).end = (...args: unknown[]) => {
      const chunk = args[0];
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      recorder({ emulator, method: (req.method ?? 'GET').toUpperCase(), url: req.url ?? '/', status: res.statusCode, body });
      return end(...args);
    };
    handle(req, res);
  };
}
