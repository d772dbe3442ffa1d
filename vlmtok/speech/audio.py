"""Small audio helpers with no dependencies: WAV in and out (16-bit mono), and MP3 frame walking for durations.

gTTS returns MP3; we never decode it, but we need its duration (and each sentence's) to time the highlight. An MP3
stream is a run of frames whose headers say how many samples each holds, so the duration is a sum over headers.
"""
from __future__ import annotations

import io
import wave
from dataclasses import dataclass

SAMPLE_WIDTH = 2                     # bytes per 16-bit sample

# MPEG audio frame header tables (ISO 11172-3 / 13818-3), Layer III only: that is what Google's TTS serves.
_L3_BITRATES_KBPS = {
    "1": (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    "2": (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),      # MPEG-2 and MPEG-2.5
}
_SAMPLE_RATES = {"1": (44100, 48000, 32000), "2": (22050, 24000, 16000), "2.5": (11025, 12000, 8000)}
_VERSION_BITS = {0b11: "1", 0b10: "2", 0b00: "2.5"}


def pcm_to_wav(pcm: bytes, sample_rate: int) -> bytes:
    """16-bit little-endian mono PCM -> WAV file bytes."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(SAMPLE_WIDTH)
        w.setframerate(sample_rate)
        w.writeframes(pcm)
    return buf.getvalue()


def pcm_duration(pcm: bytes, sample_rate: int) -> float:
    """Seconds of 16-bit mono PCM."""
    return len(pcm) / SAMPLE_WIDTH / sample_rate


def wav_info(data: bytes) -> tuple[int, int]:
    """(sample_rate, n_frames) of WAV bytes."""
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getframerate(), w.getnframes()


def wav_duration(data: bytes) -> float:
    """Seconds of audio in WAV bytes."""
    rate, frames = wav_info(data)
    return frames / rate


@dataclass(frozen=True)
class Mp3Frame:
    """One MPEG Layer III frame header: where it starts, how long it is, how much time it holds."""

    offset: int
    length: int
    samples: int
    sample_rate: int

    @property
    def seconds(self) -> float:
        return self.samples / self.sample_rate


def parse_mp3_header(data: bytes, offset: int) -> Mp3Frame | None:
    """Decode the 4-byte frame header at ``offset``; None if it is not a valid Layer III header."""
    if offset + 4 > len(data) or data[offset] != 0xFF or (data[offset + 1] & 0xE0) != 0xE0:
        return None
    b1, b2 = data[offset + 1], data[offset + 2]
    version = _VERSION_BITS.get((b1 >> 3) & 0b11)
    layer_iii = ((b1 >> 1) & 0b11) == 0b01
    bitrate_idx, rate_idx, padding = b2 >> 4, (b2 >> 2) & 0b11, (b2 >> 1) & 1
    if version is None or not layer_iii or bitrate_idx in (0, 15) or rate_idx == 3:
        return None
    bitrate = _L3_BITRATES_KBPS["1" if version == "1" else "2"][bitrate_idx] * 1000
    sample_rate = _SAMPLE_RATES[version][rate_idx]
    samples = 1152 if version == "1" else 576
    length = (samples // 8) * bitrate // sample_rate + padding     # 144*br/sr (MPEG-1) or 72*br/sr (MPEG-2/2.5)
    return Mp3Frame(offset, length, samples, sample_rate)


def _skip_id3(data: bytes) -> int:
    if len(data) >= 10 and data[:3] == b"ID3":
        size = (data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (data[9] & 0x7F)
        footer = 10 if data[5] & 0x10 else 0
        return 10 + size + footer
    return 0


def mp3_frames(data: bytes) -> list[Mp3Frame]:
    """All frames of an MP3 byte stream (an ID3v2 tag and junk between frames are skipped)."""
    frames: list[Mp3Frame] = []
    pos = _skip_id3(data)
    while pos + 4 <= len(data):
        frame = parse_mp3_header(data, pos)
        if frame is None or frame.length <= 4:
            pos += 1                  # resynchronise on the next 0xFF
            continue
        if frame.offset + frame.length > len(data):
            break                     # a truncated last frame holds no playable audio
        frames.append(frame)
        pos += frame.length
    return frames


def mp3_duration(data: bytes) -> float:
    """Seconds of audio in MP3 bytes (0.0 when no frame is found)."""
    return sum(f.seconds for f in mp3_frames(data))


def silent_mp3(seconds: float, sample_rate: int = 24000, kbps: int = 32) -> bytes:
    """A valid MPEG-2 Layer III mono stream of silence (all-zero side info), the shape Google's TTS serves.

    Used by local stand-ins of the gTTS endpoint in tests and benchmarks; any decoder plays it as silence.
    """
    rate_idx = _SAMPLE_RATES["2"].index(sample_rate)
    bitrate_idx = _L3_BITRATES_KBPS["2"].index(kbps)
    header = bytes((0xFF, 0xF3, (bitrate_idx << 4) | (rate_idx << 2), 0xC0))   # MPEG-2, Layer III, no CRC, mono
    frame = parse_mp3_header(header, 0)
    assert frame is not None
    n_frames = max(1, round(seconds / frame.seconds))
    return (header + bytes(frame.length - 4)) * n_frames
