/** The HTTP server both emulators run on: listen on a port (0 = any), report the base URL, close promptly. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recording, type ResponseRecorder } from './recorder.ts';

export class EmulatorServer {
  private server: Server | null = null;
  private baseUrl: string | null = null;

  private readonly handle: (req: IncomingMessage, res: ServerResponse) => void;

  /** With `recorder`, every response sent is also reported to it (see recorder.ts). */
  constructor(
    private readonly name: string,
    handle: (req: IncomingMessage, res: ServerResponse) => void,
    recorder?: ResponseRecorder,
  ) {
    this.handle = recorder ? recording(name, handle, recorder) : handle;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.server) throw new Error(`${this.name} emulator is already listening`);
    const s = createServer(this.handle);
    // Clients keep connections alive; never let an idle socket hold close() up.
    s.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => resolve());
    });
    this.server = s;
    const addr = s.address() as AddressInfo;
    const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.baseUrl = `http://${h}:${addr.port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    this.baseUrl = null;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  get url(): string {
    if (!this.baseUrl) throw new Error(`${this.name} emulator is not listening; call listen() first`);
    return this.baseUrl;
  }
}
