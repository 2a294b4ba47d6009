/**
 * Command examples from Nordic's nRF91x1 AT command reference, as printed there (lines).
 */
import type { AtTranscript } from './types';

export const AT_REFERENCE_DEVICEUUID: AtTranscript = {
  id: 'at-reference-deviceuuid',
  source:
    'https://docs.nordicsemi.com/bundle/ref_at_commands_nrf91x1/page/REF/at_commands/general/deviceuuid_set.html — "The following command example reads the device UUID"',
  provenance: 'documentation',
  framing: 'lines',
  notes: 'nRF91x1 only: %DEVICEUUID reads the 36-character hardware UUID, unlike %XMODEMUUID (the firmware build UUID).',
  exchanges: [
    {
      command: 'AT%DEVICEUUID',
      response: '%DEVICEUUID: 504d5632-3739-42fb-80c8-1411df972166\r\nOK\r\n',
      expect: { lines: ['%DEVICEUUID: 504d5632-3739-42fb-80c8-1411df972166'] },
    },
  ],
};
