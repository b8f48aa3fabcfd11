/**
 * The deployment examples in deploy/ are real files, checked with the real tools where they are
 * installed (`systemd-analyze verify`, `nginx -t`, `caddy validate`). Where a tool is missing the
 * test says so in its title and checks what it can without it: the directives that make
 * WebSockets, TLS, client addresses and shutdown work, and that every file points at the server.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../support/spawn-server.js';

const deploy = (file: string) => path.join(PROJECT_ROOT, 'deploy', file);
const read = (file: string) => fs.readFileSync(deploy(file), 'utf8');
const has = (tool: string, args = ['--version']) => spawnSync(tool, args, { stdio: 'ignore' }).status === 0;
const lacking = (tool: string, what: string) => (has(tool) ? `checked with ${what}` : `${tool} is not installed here: its directives are checked without it`);

/** `Key=value` lines of a systemd unit's section. */
function unitSection(text: string, section: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line === '') continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) current = header[1]!;
    else if (current === section) {
      const [key, ...value] = line.split('=');
      keys.set(key!, [...(keys.get(key!) ?? []), value.join('=')]);
    }
  }
  return keys;
}

/** Braces balance, and every directive line ends as nginx/Caddy syntax wants. */
function expectBalanced(text: string, file: string): void {
  let depth = 0;
  for (const char of text.replace(/#.*$/gm, '')) {
    if (char === '{') depth++;
    if (char === '}') depth--;
    expect(depth, `${file}: a } without its {`).to.be.at.least(0);
  }
  expect(depth, `${file}: unclosed {`).to.equal(0);
}

function withTempDir<T>(run: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-deploy-'));
  try {
    return run(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('deployment examples (deploy/)', function () {
  this.timeout(60_000);

  for (const [unit, instance] of [
    ['pingstreams.service', 'pingstreams.service'],
    ['pingstreams@.service', 'pingstreams@3001.service'],
  ] as const) {
    it(`the systemd unit ${unit} (${lacking('systemd-analyze', 'systemd-analyze verify')})`, () => {
      const text = read(unit);
      const service = unitSection(text, 'Service');
      expect(service.get('ExecStart'), 'node itself, so that SIGTERM reaches the server').to.deep.equal(['/usr/bin/env node dist/src/main.js']);
      expect(fs.existsSync(path.join(PROJECT_ROOT, 'src/main.ts')), 'dist/src/main.js is built from src/main.ts').to.equal(true);
      expect(service.get('KillSignal')).to.deep.equal(['SIGTERM']);
      expect(Number(service.get('TimeoutStopSec')?.[0]), 'longer than the 10 s the server drains for').to.be.at.least(15);
      expect(service.get('Restart')).to.deep.equal(['on-failure']);
      expect(service.get('Environment')).to.include.members(['NODE_ENV=production', 'TRUST_PROXY=1']);
      if (unit === 'pingstreams.service') {
        expect(service.get('Environment')).to.include.members(['PORT=3000', 'DATA_DIR=/var/lib/pingstreams']);
        expect(service.get('StateDirectory'), 'DATA_DIR is the state directory: kept, and writable under ProtectSystem=strict').to.deep.equal(['pingstreams']);
      } else {
        expect(service.get('Environment')).to.include('PORT=%i');
      }
      expect(unitSection(text, 'Install').get('WantedBy')).to.deep.equal(['multi-user.target']);
      if (!has('systemd-analyze')) return;
      withTempDir((dir) => {
        fs.writeFileSync(path.join(dir, instance), text);
        const verified = spawnSync('systemd-analyze', ['verify', path.join(dir, instance)], { encoding: 'utf8' });
        expect(verified.status, verified.stderr).to.equal(0);
        // Unknown keys and typos are only warnings: there must be none.
        expect(verified.stderr.trim(), verified.stderr).to.equal('');
      });
    });
  }

  for (const [file, upstream] of [
    ['nginx.conf', ['127.0.0.1:3000']],
    ['nginx-cluster.conf', ['127.0.0.1:3001', '127.0.0.1:3002']],
  ] as const) {
    it(`the nginx example ${file} (${lacking('nginx', 'nginx -t')})`, () => {
      const text = read(file);
      expectBalanced(text, file);
      for (const directive of [
        'proxy_http_version 1.1;',
        'proxy_set_header Upgrade $http_upgrade;',
        'proxy_set_header Connection $pingstreams_connection;',
        'map $http_upgrade $pingstreams_connection',
        'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
        'listen 443 ssl http2;',
        'return 301 https://$host$request_uri;',
        'client_max_body_size 11m;',
      ]) {
        expect(text, `${file} lacks ${directive}`).to.include(directive);
      }
      for (const server of upstream) expect(text).to.include(`server ${server};`);
      if (file === 'nginx-cluster.conf') expect(text, 'sticky sessions for long-polling').to.include('ip_hash;');
      const timeout = Number(/proxy_read_timeout (\d+)s;/.exec(text)?.[1]);
      expect(timeout, 'idle WebSockets outlive Socket.IO pings (25 s) plus their timeout (20 s)').to.be.above(45);
      if (!has('nginx', ['-v'])) return;
      withTempDir((dir) => {
        // nginx -t wants certificates that exist: a self-signed pair stands in for Let's Encrypt's.
        const key = path.join(dir, 'key.pem');
        const cert = path.join(dir, 'cert.pem');
        const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=chat.example.com']);
        expect(made.status, 'openssl req').to.equal(0);
        const site = text.replace(/\/etc\/letsencrypt\/live\/chat\.example\.com\/fullchain\.pem/g, cert).replace(/\/etc\/letsencrypt\/live\/chat\.example\.com\/privkey\.pem/g, key);
        fs.writeFileSync(path.join(dir, 'site.conf'), site);
        fs.writeFileSync(path.join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  include ${dir}/site.conf;\n}\n`);
        const tested = spawnSync('nginx', ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf8' });
        expect(tested.status, tested.stderr).to.equal(0);
      });
    });
  }

  for (const [file, upstream] of [
    ['Caddyfile', '127.0.0.1:3000'],
    ['Caddyfile.cluster', '127.0.0.1:3001 127.0.0.1:3002'],
  ] as const) {
    it(`the Caddy example ${file} (${lacking('caddy', 'caddy validate')})`, () => {
      const text = read(file);
      expectBalanced(text, file);
      // Caddy terminates TLS for the site address and proxies WebSocket upgrades by itself.
      expect(text).to.match(/^chat\.example\.com \{$/m);
      expect(text).to.include(`reverse_proxy ${upstream} {`);
      expect(text).to.include('health_uri /readyz');
      if (file === 'Caddyfile.cluster') expect(text, 'sticky sessions for long-polling').to.include('lb_policy ip_hash');
      if (!has('caddy', ['version'])) return;
      const validated = spawnSync('caddy', ['validate', '--config', deploy(file), '--adapter', 'caddyfile'], { encoding: 'utf8' });
      expect(validated.status, validated.stderr).to.equal(0);
    });
  }

  it('the Procfile runs the built migrations in the release phase and node itself as the web process', () => {
    const processes = Object.fromEntries(
      fs
        .readFileSync(path.join(PROJECT_ROOT, 'Procfile'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(/:\s*/, 2) as [string, string]),
    );
    expect(processes).to.deep.equal({ release: 'node dist/src/migrate.js', web: 'node dist/src/main.js' });
    for (const source of ['src/migrate.ts', 'src/main.ts']) expect(fs.existsSync(path.join(PROJECT_ROOT, source)), source).to.equal(true);
  });

  it('docs/deploying.md shows every example, and every file it names exists', () => {
    const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs/deploying.md'), 'utf8');
    for (const file of fs.readdirSync(path.join(PROJECT_ROOT, 'deploy'))) expect(doc, `docs/deploying.md never mentions deploy/${file}`).to.include(`deploy/${file}`);
    for (const [, named] of doc.matchAll(/\((\.\.\/[^)#\s]+)\)/g)) {
      expect(fs.existsSync(path.join(PROJECT_ROOT, 'docs', named!)), `docs/deploying.md links to ${named}, which does not exist`).to.equal(true);
    }
  });
});
