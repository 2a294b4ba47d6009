/** IMEIs for simulated modems: 14 digits and a Luhn check digit (3GPP TS 23.003 Annex B). */
import { randomInt } from 'node:crypto';

/** The check digit that makes `body` (14 digits) + it Luhn-valid. */
export function luhnCheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    // Counting from the right of the full 15-digit number, the check digit is position 0.
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A random IMEI under the nRF9160 type allocation code 35265610. */
export function randomImei(tac = '35265610'): string {
  let serial = '';
  while (serial.length < 14 - tac.length) serial += String(randomInt(10));
  const body = tac + serial;
  return body + luhnCheckDigit(body);
}

/** Another valid IMEI with the same TAC (the serial part changed), for an identity-change fault. */
export function otherImei(imei: string): string {
  const body = imei.slice(0, 8) + String((Number(imei.slice(8, 14)) + 1) % 1_000_000).padStart(6, '0');
  return body + luhnCheckDigit(body);
}
