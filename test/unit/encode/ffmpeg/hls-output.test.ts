import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMediaPlaylist } from '../../../../src/core/encode/ffmpeg/hls-output.ts';

describe('HLS output', () => {
  it('reads HLS media playlists', () => {
    const text = '#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.000000,\nseg_00000.ts\n#EXTINF:2.040000,\nseg_00001.ts\n#EXT-X-ENDLIST\n';
    assert.deepEqual(parseMediaPlaylist(text), { segments: ['seg_00000.ts', 'seg_00001.ts'], durationSeconds: 8.04, ended: true });
    assert.equal(parseMediaPlaylist('#EXTM3U\n#EXTINF:6,\nseg_00000.ts\n').ended, false);
  });
});
