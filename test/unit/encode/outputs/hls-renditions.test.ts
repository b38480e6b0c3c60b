import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rewriteMaster, subtitlePlaylist, withTimestampMap } from '../../../../src/core/encode/outputs/hls-renditions.ts';

const ffmpegMaster = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",NAME="audio_2",DEFAULT=YES,LANGUAGE="eng",URI="audio_eng/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",NAME="audio_3",DEFAULT=NO,LANGUAGE="fra",URI="audio_fra/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=985600,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="group_audio"
360p/index.m3u8
`;

describe('HLS alternate renditions', () => {
  it('names the audio renditions after the source tracks and adds the subtitle group to every variant', () => {
    const master = rewriteMaster(ffmpegMaster, {
      audio: [
        { folder: 'audio_eng', name: 'English 5.1', language: 'eng', default: true },
        { folder: 'audio_fra', name: 'fra', language: 'fra', default: false },
      ],
      subtitles: [
        { file: 'subtitles_eng.vtt', playlist: 'subtitles_eng.m3u8', name: 'eng', language: 'eng', default: false, forced: false },
      ],
    });
    assert.match(
      master,
      /#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",NAME="English 5\.1",LANGUAGE="eng",DEFAULT=YES,AUTOSELECT=YES,URI="audio_eng\/index\.m3u8"/,
    );
    assert.match(
      master,
      /#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subtitles",NAME="eng",LANGUAGE="eng",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subtitles_eng\.m3u8"/,
    );
    assert.match(master, /AUDIO="group_audio",SUBTITLES="subtitles"\n360p\/index\.m3u8/);
    assert.ok(master.indexOf('TYPE=SUBTITLES') < master.indexOf('#EXT-X-STREAM-INF'));
  });

  it('ties WebVTT cue times to the segments’ MPEG-TS clock and lists the whole file as one segment', () => {
    assert.equal(
      withTimestampMap('WEBVTT\n\n00:00.500 --> 00:01.500\nHello\n', 126000),
      'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n00:00.500 --> 00:01.500\nHello\n',
    );
    const playlist = subtitlePlaylist('subtitles_eng.vtt', 2.741);
    assert.match(playlist, /#EXT-X-TARGETDURATION:3\n/);
    assert.match(playlist, /#EXTINF:2\.741,\nsubtitles_eng\.vtt\n#EXT-X-ENDLIST/);
  });
});
