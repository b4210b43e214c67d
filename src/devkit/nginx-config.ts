// The nginx.conf of a throwaway nginx serving one folder on 127.0.0.1, everything it writes kept under `prefix`:
// the baseline of the HTTP benchmarks and the reference of the Range tests. Pure.
import { join } from 'node:path';

export interface NginxConfigOptions {
  /** Its own folder: pid, logs and temp paths. */
  prefix: string;
  port: number;
  /** Folder served at `/`. */
  root: string;
  sendfile?: boolean;
  /** e.g. '2 1m', the best config measured here. */
  outputBuffers?: string;
  workers?: number;
}

export function nginxConfig(options: NginxConfigOptions): string {
  const { prefix } = options;
  // `user root`: workers otherwise run as www-data and may not read a 0700 temp folder or the store. Only when we
  // are root, as nginx ignores the directive (with a warning) otherwise.
  const userLine = process.getuid?.() === 0 ? 'user root;' : '';
  return `
${userLine}
worker_processes ${options.workers ?? 1};
daemon off;
master_process on;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  types { }
  default_type application/octet-stream;
  sendfile ${options.sendfile ? 'on' : 'off'};
  ${options.outputBuffers ? `output_buffers ${options.outputBuffers};` : ''}
  keepalive_requests 100000000;
  client_body_temp_path ${join(prefix, 'body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  server {
    listen 127.0.0.1:${options.port};
    root ${options.root};
  }
}
`;
}
