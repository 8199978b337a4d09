#include "record/AudioDecoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libavutil/samplefmt.h>
}

#include <algorithm>
#include <cstring>

#include "record/FfmpegLog.h"

namespace parley::record {

std::unique_ptr<AudioDecoder> AudioDecoder::create(int channels, std::string* error) {
  FfmpegLog::install();
  const AVCodec* decoder = avcodec_find_decoder(AV_CODEC_ID_OPUS);
  if (!decoder) {
    *error = "no Opus decoder";
    return nullptr;
  }
  std::unique_ptr<AudioDecoder> d(new AudioDecoder());
  d->context_ = avcodec_alloc_context3(decoder);
  d->frame_ = av_frame_alloc();
  d->packet_ = av_packet_alloc();
  if (!d->context_ || !d->frame_ || !d->packet_) {
    *error = "out of memory";
    return nullptr;
  }
  d->context_->sample_rate = kSampleRate;
  av_channel_layout_default(&d->context_->ch_layout, channels == 1 ? 1 : 2);
  if (avcodec_open2(d->context_, decoder, nullptr) < 0) {
    *error = "the Opus decoder did not open";
    return nullptr;
  }
  return d;
}

AudioDecoder::~AudioDecoder() {
  av_packet_free(&packet_);
  av_frame_free(&frame_);
  avcodec_free_context(&context_);
}

std::size_t AudioDecoder::decode(std::span<const std::uint8_t> frame, std::vector<float>& out) {
  if (frame.empty() || frame.size() > 64 * 1024) return 0;
  if (av_new_packet(packet_, static_cast<int>(frame.size())) < 0) return 0;
  std::memcpy(packet_->data, frame.data(), frame.size());
  const int sent = avcodec_send_packet(context_, packet_);
  av_packet_unref(packet_);
  if (sent < 0) {
    ++errors_;
    return 0;
  }
  const std::size_t before = out.size();
  while (true) {
    const int got = avcodec_receive_frame(context_, frame_);
    if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) break;
    if (got < 0) {
      ++errors_;
      break;
    }
    append(*frame_, out);
    av_frame_unref(frame_);
  }
  return (out.size() - before) / 2;
}

void AudioDecoder::append(const AVFrame& f, std::vector<float>& out) {
  const int channels = f.ch_layout.nb_channels;
  if (channels < 1 || f.nb_samples <= 0 || f.sample_rate != kSampleRate) {
    ++errors_;
    return;
  }
  // The channel a sample of output channel `c` comes from: the first two, mono doubled.
  const int right = channels > 1 ? 1 : 0;
  const auto format = static_cast<AVSampleFormat>(f.format);
  auto sample = [&](int ch, int i) -> float {
    switch (format) {
      case AV_SAMPLE_FMT_FLTP:
        return reinterpret_cast<const float*>(f.extended_data[ch])[i];
      case AV_SAMPLE_FMT_FLT:
        return reinterpret_cast<const float*>(f.extended_data[0])[i * channels + ch];
      case AV_SAMPLE_FMT_S16P:
        return reinterpret_cast<const std::int16_t*>(f.extended_data[ch])[i] / 32768.0f;
      case AV_SAMPLE_FMT_S16:
        return reinterpret_cast<const std::int16_t*>(f.extended_data[0])[i * channels + ch] /
               32768.0f;
      default:
        return 0.0f;
    }
  };
  out.reserve(out.size() + static_cast<std::size_t>(f.nb_samples) * 2);
  for (int i = 0; i < f.nb_samples; ++i) {
    out.push_back(sample(0, i));
    out.push_back(sample(right, i));
  }
}

}  // namespace parley::record
