#include "record/VideoDecoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
}

#include <cstring>

#include "record/FfmpegCodec.h"
#include "record/FfmpegLog.h"

namespace parley::record {

std::unique_ptr<VideoDecoder> VideoDecoder::create(TrackFormat::Codec codec, std::string* error) {
  FfmpegLog::install();
  const AVCodecID id = TrackFormat{codec}.isVideo() ? ffmpegCodecId(codec) : AV_CODEC_ID_NONE;
  const AVCodec* decoder = id == AV_CODEC_ID_NONE ? nullptr : avcodec_find_decoder(id);
  if (!decoder) {
    *error = "no video decoder for this codec";
    return nullptr;
  }
  std::unique_ptr<VideoDecoder> d(new VideoDecoder());
  d->context_ = avcodec_alloc_context3(decoder);
  d->frame_ = av_frame_alloc();
  d->packet_ = av_packet_alloc();
  if (!d->context_ || !d->frame_ || !d->packet_) {
    *error = "out of memory";
    return nullptr;
  }
  // One thread, no frame delay: each frame's picture comes out of its own decode call, and a
  // composition's cost stays on its own thread.
  d->context_->thread_count = 1;
  d->context_->flags |= AV_CODEC_FLAG_LOW_DELAY;
  // A publisher's header may claim any picture size: libavcodec refuses frames larger than
  // this before allocating them, so one stream costs at most a 4K picture's memory.
  d->context_->max_pixels = kMaxPixels;
  if (avcodec_open2(d->context_, decoder, nullptr) < 0) {
    *error = "the video decoder did not open";
    return nullptr;
  }
  return d;
}

VideoDecoder::~VideoDecoder() {
  sws_freeContext(converter_);
  av_packet_free(&packet_);
  av_frame_free(&frame_);
  avcodec_free_context(&context_);
}

std::optional<Picture> VideoDecoder::decode(std::span<const std::uint8_t> frame, bool keyframe) {
  if (waitingForKeyframe_ && !keyframe) return std::nullopt;
  waitingForKeyframe_ = false;
  if (frame.empty() || frame.size() > 64 * 1024 * 1024) return std::nullopt;
  // libavcodec reads up to AV_INPUT_BUFFER_PADDING_SIZE past the end: a padded copy.
  if (av_new_packet(packet_, static_cast<int>(frame.size())) < 0) return std::nullopt;
  std::memcpy(packet_->data, frame.data(), frame.size());
  if (keyframe) packet_->flags |= AV_PKT_FLAG_KEY;
  const int sent = avcodec_send_packet(context_, packet_);
  av_packet_unref(packet_);
  if (sent < 0) {
    ++errors_;
    waitingForKeyframe_ = true;
    return std::nullopt;
  }
  std::optional<Picture> out;
  while (true) {
    const int got = avcodec_receive_frame(context_, frame_);
    if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) break;
    if (got < 0) {
      ++errors_;
      waitingForKeyframe_ = true;
      break;
    }
    if (frame_->width > 0 && frame_->height > 0 && frame_->width <= 8192 && frame_->height <= 8192)
      out = convert(*frame_);
    av_frame_unref(frame_);
  }
  return out;
}

Picture VideoDecoder::convert(const AVFrame& f) {
  Picture p(f.width, f.height);
  const auto format = static_cast<AVPixelFormat>(f.format);
  if (format == AV_PIX_FMT_YUV420P || format == AV_PIX_FMT_YUVJ420P) {
    for (int i = 0; i < 3; ++i) {
      const int rows = i == 0 ? f.height : (f.height + 1) / 2;
      const int bytes = i == 0 ? f.width : (f.width + 1) / 2;
      for (int r = 0; r < rows; ++r)
        std::memcpy(p.plane(i) + r * p.stride(i), f.data[i] + r * f.linesize[i], bytes);
    }
    return p;
  }
  // Anything else (4:4:4 H.264, 10-bit VP9) goes through swscale once per picture.
  converter_ = sws_getCachedContext(converter_, f.width, f.height, format, p.width(), p.height(),
                                    AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr, nullptr);
  if (!converter_) return p;
  std::uint8_t* dst[4] = {p.plane(0), p.plane(1), p.plane(2), nullptr};
  int dstStride[4] = {p.stride(0), p.stride(1), p.stride(2), 0};
  sws_scale(converter_, f.data, f.linesize, 0, f.height, dst, dstStride);
  return p;
}

}  // namespace parley::record
