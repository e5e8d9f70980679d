import { describe, expect, it } from 'vitest';
import { redact } from '../../../engine/registry/redact.ts';

describe('redact', () => {
  it.each<[string, string[], string]>([
    ['got Bearer abc.def-ghi_jkl for x', [], 'got Bearer [redacted] for x'],
    ['Authorization: Basic dTpw==', [], 'Authorization: Basic [redacted]'],
    ['GET https://user:s3cret@host/v2/', [], 'GET https://[redacted]@host/v2/'],
    ['POST /token?access_token=xyz&scope=a', [], 'POST /token?access_token=[redacted]&scope=a'],
    ['body {"token":"abc","expires_in":60}', [], 'body {"token":"[redacted]","expires_in":60}'],
    ['the server said: hunter22 is wrong', ['hunter22'], 'the server said: [redacted] is wrong'],
    ['short ab stays', ['ab'], 'short ab stays'],
    ['nothing secret here: repository:library/busybox:pull', [], 'nothing secret here: repository:library/busybox:pull'],
  ])('%s', (text, secrets, want) => {
    expect(redact(text, secrets)).toBe(want);
  });
});
