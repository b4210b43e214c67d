// The reference nginx's config (src/devkit/nginx-config.ts): everything under its prefix, the options written out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nginxConfig } from '../../src/devkit/nginx-config.ts';

test('paths under the prefix, listen on 127.0.0.1:port, the root served, options as given', () => {
  const conf = nginxConfig({ prefix: '/p', port: 8123, root: '/data', sendfile: true, outputBuffers: '2 1m', workers: 2 });
  for (const line of [
    'worker_processes 2;',
    'daemon off;',
    'pid /p/nginx.pid;',
    'error_log /p/logs/error.log warn;',
    'sendfile on;',
    'output_buffers 2 1m;',
    'client_body_temp_path /p/body;',
    'proxy_temp_path /p/proxy;',
    'listen 127.0.0.1:8123;',
    'root /data;',
  ]) assert.ok(conf.split('\n').some((l) => l.trim() === line), line);
  assert.is((conf.match(/\{/g) ?? []).length, (conf.match(/\}/g) ?? []).length, 'braces balance');
});

test('defaults: one worker, sendfile off, no output_buffers; user root only when running as root', () => {
  const conf = nginxConfig({ prefix: '/p', port: 1, root: '/r' });
  assert.match(conf, /^worker_processes 1;$/m);
  assert.match(conf, /^\s*sendfile off;$/m);
  assert.not.match(conf, /output_buffers/);
  assert.is(/^user root;$/m.test(conf), process.getuid?.() === 0);
});

test.run();
