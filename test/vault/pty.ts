/**
 * Drive an interactive program (age reads passphrases from /dev/tty) under a
 * real pseudo-terminal via socat. Each step waits for a prompt in the output
 * before typing its line; stdin stays open until the program exits.
 */
import { spawn } from 'node:child_process';

export interface PtyStep { waitFor: RegExp; send: string }

export function runUnderPty(command: string, steps: PtyStep[], timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('socat', ['-', `EXEC:${command},pty,setsid,ctty,stderr`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let consumed = 0;
    let step = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pty command timed out: ${command}\n${output}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString('utf8');
      while (step < steps.length) {
        const s = steps[step]!;
        const m = s.waitFor.exec(output.slice(consumed));
        if (!m) break;
        consumed += m.index + m[0].length;
        child.stdin.write(s.send);
        step++;
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.stdin.on('error', () => { /* the program exited first */ });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      resolve({ code, output });
    });
  });
}
