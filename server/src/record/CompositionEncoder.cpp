#include "record/CompositionEncoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include <algorithm>
#include <cstring>

#include "record/FfmpegError.h"
#include "record/Mp4FileMuxer.h"

#include "record/FfmpegLog.h"

namespace parley::record {

namespace {

// What keeps 30 fps encoding in real time on one core of a small machine, by picture size.
const char* presetFor(int width, int height) {
  const long pixels = static_cast<long>(width) * height;
  if (pixels <= 640L * 480) return "veryfast";
  if (pixels <= 1280L * 720) return "superfast";
  return "ultrafast";
}

// A cap for rate-controlled output when the archive sets none: enough for talking heads.
int defaultMaxBitrate(int width, int height) {
  const long pixels = static_cast<long>(width) * height;
  if (pixels <= 640L * 480) return 1'500'000;
  if (pixels <= 1280L * 720) return 3'000'000;
  return 6'000'000;
}

}  // namespace

std::unique_ptr<CompositionEncoder> CompositionEncoder::create(
    Settings settings, std::vector<std::unique_ptr<PacketMuxer>> muxers, std::string* error) {
  FfmpegLog::install();
  if (!settings.hasVideo && !settings.hasAudio) {
    *error = "neither audio nor video";
    return nullptr;
  }
  if (muxers.empty()) {
    *error = "no output";
    return nullptr;
  }
  std::unique_ptr<CompositionEncoder> e(new CompositionEncoder());
  settings.width = std::max(2, settings.width) & ~1;
  settings.height = std::max(2, settings.height) & ~1;
  settings.framesPerSecond = std::clamp(settings.framesPerSecond, 1, 60);
  e->settings_ = settings;
  e->packet_ = av_packet_alloc();
  if (!e->packet_) {
    *error = "out of memory";
    return nullptr;
  }
  if ((settings.hasVideo && !e->openVideo(error)) || (settings.hasAudio && !e->openAudio(error)))
    return nullptr;
  for (auto& m : muxers)
    if (!m->start(e->video_, e->audio_, error)) return nullptr;
  e->muxers_ = std::move(muxers);
  e->finished_ = false;
  return e;
}

std::unique_ptr<CompositionEncoder> CompositionEncoder::create(const std::string& path,
                                                               Settings settings,
                                                               std::string* error) {
  std::vector<std::unique_ptr<PacketMuxer>> muxers;
  muxers.push_back(std::make_unique<Mp4FileMuxer>(path));
  return create(settings, std::move(muxers), error);
}

bool CompositionEncoder::openVideo(std::string* error) {
  const AVCodec* encoder = avcodec_find_encoder_by_name("libx264");
  if (!encoder) {
    *error = "no libx264 encoder";
    return false;
  }
  video_ = avcodec_alloc_context3(encoder);
  videoFrame_ = av_frame_alloc();
  if (!video_ || !videoFrame_) {
    *error = "out of memory";
    return false;
  }
  const Settings& s = settings_;
  video_->width = s.width;
  video_->height = s.height;
  video_->pix_fmt = AV_PIX_FMT_YUV420P;
  // Milliseconds: pictures are stamped with the composer's clock, which may skip a beat
  // when the machine is busy.
  video_->time_base = AVRational{1, 1000};
  video_->framerate = AVRational{s.framesPerSecond, 1};
  // A keyframe every second: each starts a fragment (what a crash can lose) and an HLS segment
  // may start at any of them.
  video_->gop_size = s.framesPerSecond;
  video_->thread_count = 1;
  // MP4 and FLV want the parameter sets out of band; HLS (MPEG-TS) wants them in band before
  // each keyframe, which repeat-headers adds.
  video_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  av_opt_set(video_->priv_data, "x264-params", "repeat-headers=1", 0);
  av_opt_set(video_->priv_data, "preset", presetFor(s.width, s.height), 0);
  // No B-frames and no look-ahead: each picture leaves the encoder when it goes in, which a
  // live broadcast needs and an archive does not mind.
  av_opt_set(video_->priv_data, "tune", "zerolatency", 0);
  if (s.quantizationParameter > 0) {
    av_opt_set_int(video_->priv_data, "qp", s.quantizationParameter, 0);
  } else {
    const int cap = s.maxBitrate > 0 ? s.maxBitrate : defaultMaxBitrate(s.width, s.height);
    av_opt_set_int(video_->priv_data, "crf", 23, 0);
    video_->rc_max_rate = cap;
    video_->rc_buffer_size = cap;
  }
  int rc = avcodec_open2(video_, encoder, nullptr);
  if (rc < 0) {
    *error = ffmpegError("the H.264 encoder did not open", rc);
    return false;
  }
  videoFrame_->format = AV_PIX_FMT_YUV420P;
  videoFrame_->width = s.width;
  videoFrame_->height = s.height;
  return true;
}

bool CompositionEncoder::openAudio(std::string* error) {
  const AVCodec* encoder = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (!encoder) {
    *error = "no AAC encoder";
    return false;
  }
  audio_ = avcodec_alloc_context3(encoder);
  audioFrame_ = av_frame_alloc();
  if (!audio_ || !audioFrame_) {
    *error = "out of memory";
    return false;
  }
  audio_->sample_fmt = AV_SAMPLE_FMT_FLTP;
  audio_->sample_rate = kAudioSampleRate;
  av_channel_layout_default(&audio_->ch_layout, 2);
  audio_->bit_rate = kAudioBitrate;
  audio_->time_base = AVRational{1, kAudioSampleRate};
  audio_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  int rc = avcodec_open2(audio_, encoder, nullptr);
  if (rc < 0) {
    *error = ffmpegError("the AAC encoder did not open", rc);
    return false;
  }
  audioFrame_->format = AV_SAMPLE_FMT_FLTP;
  audioFrame_->sample_rate = kAudioSampleRate;
  audioFrame_->nb_samples = audio_->frame_size > 0 ? audio_->frame_size : 1024;
  av_channel_layout_default(&audioFrame_->ch_layout, 2);
  if (av_frame_get_buffer(audioFrame_, 0) < 0) {
    *error = "out of memory";
    return false;
  }
  return true;
}

CompositionEncoder::~CompositionEncoder() {
  std::string ignored;
  finish(&ignored);
  muxers_.clear();
  av_frame_free(&videoFrame_);
  av_frame_free(&audioFrame_);
  av_packet_free(&packet_);
  avcodec_free_context(&video_);
  avcodec_free_context(&audio_);
}

bool CompositionEncoder::encode(AVCodecContext* codec, AVFrame* frame, std::string* error) {
  int rc = avcodec_send_frame(codec, frame);
  if (rc < 0 && rc != AVERROR_EOF) {
    *error = ffmpegError("encoding failed", rc);
    failed_ = true;
    return false;
  }
  const bool video = codec == video_;
  while ((rc = avcodec_receive_packet(codec, packet_)) >= 0) {
    for (auto& m : muxers_) {
      std::string why;
      if (!m->write(*packet_, video, &why) && m->essential()) {
        *error = why;
        failed_ = true;
      }
    }
    av_packet_unref(packet_);
    if (failed_) return false;
  }
  return rc == AVERROR(EAGAIN) || rc == AVERROR_EOF;
}

bool CompositionEncoder::writeVideo(const Picture& picture, std::int64_t ptsMs,
                                    std::string* error) {
  if (!video_ || finished_ || failed_) return false;
  if (picture.width() != settings_.width || picture.height() != settings_.height) {
    *error = "picture of the wrong size";
    return false;
  }
  if (ptsMs <= lastVideoPtsMs_) return true;  // two pictures in one millisecond: keep one
  lastVideoPtsMs_ = ptsMs;
  if (av_frame_make_writable(videoFrame_) < 0 &&
      (av_frame_get_buffer(videoFrame_, 0) < 0 || av_frame_make_writable(videoFrame_) < 0)) {
    *error = "out of memory";
    return false;
  }
  for (int i = 0; i < 3; ++i) {
    const int rows = i == 0 ? picture.height() : picture.height() / 2;
    for (int r = 0; r < rows; ++r)
      std::memcpy(videoFrame_->data[i] + r * videoFrame_->linesize[i],
                  picture.plane(i) + r * picture.stride(i), picture.stride(i));
  }
  videoFrame_->pts = ptsMs;
  ++videoFrames_;
  return encode(video_, videoFrame_, error);
}

bool CompositionEncoder::writeAudio(std::span<const float> samples, std::string* error) {
  if (!audio_ || finished_ || failed_) return false;
  pendingAudio_.insert(pendingAudio_.end(), samples.begin(), samples.end());
  const std::size_t perFrame = static_cast<std::size_t>(audioFrame_->nb_samples) * 2;
  std::size_t used = 0;
  while (pendingAudio_.size() - used >= perFrame) {
    if (av_frame_make_writable(audioFrame_) < 0) {
      *error = "out of memory";
      return false;
    }
    auto* left = reinterpret_cast<float*>(audioFrame_->data[0]);
    auto* right = reinterpret_cast<float*>(audioFrame_->data[1]);
    for (int i = 0; i < audioFrame_->nb_samples; ++i) {
      left[i] = pendingAudio_[used + 2 * i];
      right[i] = pendingAudio_[used + 2 * i + 1];
    }
    used += perFrame;
    if (!encodeAudioFrame(error)) return false;
  }
  pendingAudio_.erase(pendingAudio_.begin(), pendingAudio_.begin() + used);
  return true;
}

bool CompositionEncoder::encodeAudioFrame(std::string* error) {
  audioFrame_->pts = static_cast<std::int64_t>(audioSamples_);
  audioSamples_ += audioFrame_->nb_samples;
  return encode(audio_, audioFrame_, error);
}

bool CompositionEncoder::finish(std::string* error) {
  if (finished_) return !failed_;
  finished_ = true;
  bool ok = !failed_;
  if (ok && video_) ok = encode(video_, nullptr, error);
  if (ok && audio_) ok = encode(audio_, nullptr, error);
  for (auto& m : muxers_) {
    std::string why;
    if (!m->finish(&why) && m->essential() && ok) {
      *error = why;
      ok = false;
    }
  }
  failed_ = !ok;
  return ok;
}

}  // namespace parley::record
