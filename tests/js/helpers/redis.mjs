// A real redis-server (Debian's, installed by scripts/setup.sh), started by the tests on
// 127.0.0.1 on a free port without persistence.
import { spawn } from 'node:child_process';
import net from 'node:net';

/** A port nothing listens on (as the OS hands them out). */
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A redis-server of its own (on `port`, or a free one); resolves once it accepts connections. */
export async function startRedis(port) {
  port ??= await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  await new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`redis-server could not start (scripts/setup.sh --browser installs it): ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    const poll = setInterval(() => {
      if (output.includes('Ready to accept connections')) {
        clearInterval(poll);
        resolve();
      }
    }, 20);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { port, stop: () => { child.kill('SIGKILL'); return exited; } };
}
