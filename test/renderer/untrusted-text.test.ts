// @vitest-environment happy-dom
/**
 * Text from outside (subjects, device IDs, messages) is shown inertly: as
 * text, never as HTML (test/foundation/renderer-inert.test.ts checks no
 * component renders HTML), and with control and format characters escaped in
 * the messages the station sends.
 */
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import CertificateDetails from '../../renderer/src/components/CertificateDetails.vue';
import { ApiCallError, toUserError } from '../../renderer/src/api';
import { findUnsafeCharacter } from '../../electron/shared/unsafe-text';
import type { CertificateSummary } from '../../electron/shared/api/common';
import { FP, NOW } from './fakeCustodian';

const cert: CertificateSummary = {
  subject: 'CN=<img src=x onerror=alert(1)>', issuer: 'CN=Root', serialHex: '0a1b', fingerprint: FP('a'), spkiFingerprint: FP('b'),
  notBefore: NOW, notAfter: NOW, keyAlgorithm: 'P-256', isCa: true, pathLen: 0, pathLenRoom: 0,
  pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
};

describe('untrusted text in the UI', () => {
  it('a subject with markup is shown as text', () => {
    const w = mount(CertificateDetails, { props: { cert } });
    expect(w.text()).toContain('CN=<img src=x onerror=alert(1)>');
    expect(w.find('img').exists()).toBe(false);
  });

  it("the station's message is shown with control, bidirectional and invisible characters escaped", () => {
    const e = toUserError(new ApiCallError({ code: 'DEVICE_ID_INVALID', message: 'device dev\u202e1\u001b[2J\u200b refused\nsecond line', details: {} }));
    expect(e.what).toBe('device dev\\u{202e}1\\x1b[2J\\u{200b} refused\nsecond line');
    expect(findUnsafeCharacter(e.what.replace(/\n/g, ''))).toBeUndefined();
  });
});
