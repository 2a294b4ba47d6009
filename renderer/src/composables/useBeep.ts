/**
 * Pass/fail tones synthesised with WebAudio (no audio files: the CSP and the
 * offline station both prefer it). Pass: two short rising beeps. Fail: one long
 * low buzz, so the two are told apart without looking at the screen.
 */
export type Tone = 'pass' | 'fail';

let context: AudioContext | undefined;

function audio(): AudioContext | undefined {
  if (context) return context;
  const Ctor = globalThis.AudioContext as typeof AudioContext | undefined;
  if (!Ctor) return undefined;
  context = new Ctor();
  return context;
}

function beep(ctx: AudioContext, at: number, hz: number, seconds: number, wave: OscillatorType): void {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = wave;
  osc.frequency.value = hz;
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(0.25, at + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + seconds);
  osc.connect(gain).connect(ctx.destination);
  osc.start(at);
  osc.stop(at + seconds + 0.02);
}

export function playTone(tone: Tone): void {
  try {
    const ctx = audio();
    if (!ctx) return;
    const t = ctx.currentTime;
    if (tone === 'pass') {
      beep(ctx, t, 880, 0.12, 'sine');
      beep(ctx, t + 0.16, 1320, 0.16, 'sine');
    } else {
      beep(ctx, t, 196, 0.6, 'square');
    }
  } catch {
    // Sound is a courtesy; never let it break the result screen.
  }
}
