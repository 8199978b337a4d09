#include "record/ComposedFileWriter.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
}

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace parley::record {

namespace {

std::string ffmpegError(const char* what, int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof text);
  return std::string(what) + ": " + text;
}

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

struct InputCloser {
  AVFormatContext* context = nullptr;
  ~InputCloser() { avformat_close_input(&context); }
};

struct OutputCloser {
  AVFormatContext* context = nullptr;
  ~OutputCloser() {
    if (!context) return;
    if (context->pb) avio_closep(&context->pb);
    avformat_free_context(context);
  }
};

}  // namespace

std::unique_ptr<ComposedFileWriter> ComposedFileWriter::create(const std::string& path,
                                                               Settings settings,
                                                               std::string* error) {
  if (!settings.hasVideo && !settings.hasAudio) {
    *error = "neither audio nor video";
    return nullptr;
  }
  std::unique_ptr<ComposedFileWriter> w(new ComposedFileWriter());
  // Nothing to finish until the header is written: a writer dropped before that must not
  // write a trailer (the muxer is not initialized).
  w->finished_ = true;
  settings.width = std::max(2, settings.width) & ~1;
  settings.height = std::max(2, settings.height) & ~1;
  settings.framesPerSecond = std::clamp(settings.framesPerSecond, 1, 60);
  w->settings_ = settings;
  int rc = avformat_alloc_output_context2(&w->format_, nullptr, "mp4", path.c_str());
  if (rc < 0 || !w->format_) {
    *error = ffmpegError("no MP4 muxer", rc);
    return nullptr;
  }
  w->packet_ = av_packet_alloc();
  if (!w->packet_ || (settings.hasVideo && !w->openVideo(error)) ||
      (settings.hasAudio && !w->openAudio(error)))
    return w->packet_ ? nullptr : (*error = "out of memory", nullptr);
  rc = avio_open(&w->format_->pb, path.c_str(), AVIO_FLAG_WRITE);
  if (rc < 0) {
    *error = ffmpegError("cannot create the file", rc);
    return nullptr;
  }
  AVDictionary* options = nullptr;
  // Fragments (moof + mdat) at every keyframe (each second), each flushed as it is written: a
  // crash loses at most the fragment being gathered.
  av_dict_set(&options, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0);
  av_dict_set(&options, "frag_duration", "1000000", 0);
  av_dict_set(&options, "flush_packets", "1", 0);
  rc = avformat_write_header(w->format_, &options);
  av_dict_free(&options);
  if (rc < 0) {
    *error = ffmpegError("cannot write the MP4 header", rc);
    return nullptr;
  }
  w->finished_ = false;
  return w;
}

bool ComposedFileWriter::openVideo(std::string* error) {
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
  if (format_->oformat->flags & AVFMT_GLOBALHEADER) video_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
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
  videoStream_ = avformat_new_stream(format_, nullptr);
  if (!videoStream_ || avcodec_parameters_from_context(videoStream_->codecpar, video_) < 0) {
    *error = "cannot add the video track";
    return false;
  }
  videoStream_->time_base = AVRational{1, 90000};
  videoFrame_->format = AV_PIX_FMT_YUV420P;
  videoFrame_->width = s.width;
  videoFrame_->height = s.height;
  return true;
}

bool ComposedFileWriter::openAudio(std::string* error) {
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
  if (format_->oformat->flags & AVFMT_GLOBALHEADER) audio_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  int rc = avcodec_open2(audio_, encoder, nullptr);
  if (rc < 0) {
    *error = ffmpegError("the AAC encoder did not open", rc);
    return false;
  }
  audioStream_ = avformat_new_stream(format_, nullptr);
  if (!audioStream_ || avcodec_parameters_from_context(audioStream_->codecpar, audio_) < 0) {
    *error = "cannot add the audio track";
    return false;
  }
  audioStream_->time_base = AVRational{1, kAudioSampleRate};
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

ComposedFileWriter::~ComposedFileWriter() {
  std::string ignored;
  finish(&ignored);
  av_frame_free(&videoFrame_);
  av_frame_free(&audioFrame_);
  av_packet_free(&packet_);
  avcodec_free_context(&video_);
  avcodec_free_context(&audio_);
  if (format_) {
    if (format_->pb) avio_closep(&format_->pb);
    avformat_free_context(format_);
  }
}

bool ComposedFileWriter::encode(AVCodecContext* codec, AVStream* stream, AVFrame* frame,
                                std::string* error) {
  int rc = avcodec_send_frame(codec, frame);
  if (rc < 0 && rc != AVERROR_EOF) {
    *error = ffmpegError("encoding failed", rc);
    failed_ = true;
    return false;
  }
  while ((rc = avcodec_receive_packet(codec, packet_)) >= 0) {
    av_packet_rescale_ts(packet_, codec->time_base, stream->time_base);
    packet_->stream_index = stream->index;
    rc = av_interleaved_write_frame(format_, packet_);
    if (rc < 0) {
      *error = ffmpegError("writing the MP4 failed", rc);
      failed_ = true;
      return false;
    }
  }
  return rc == AVERROR(EAGAIN) || rc == AVERROR_EOF;
}

bool ComposedFileWriter::writeVideo(const Picture& picture, std::int64_t ptsMs,
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
  return encode(video_, videoStream_, videoFrame_, error);
}

bool ComposedFileWriter::writeAudio(std::span<const float> samples, std::string* error) {
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

bool ComposedFileWriter::encodeAudioFrame(std::string* error) {
  audioFrame_->pts = static_cast<std::int64_t>(audioSamples_);
  audioSamples_ += audioFrame_->nb_samples;
  return encode(audio_, audioStream_, audioFrame_, error);
}

bool ComposedFileWriter::finish(std::string* error) {
  if (finished_) return !failed_;
  finished_ = true;
  bool ok = !failed_;
  if (ok && video_) ok = encode(video_, videoStream_, nullptr, error);
  if (ok && audio_) ok = encode(audio_, audioStream_, nullptr, error);
  const int rc = av_write_trailer(format_);
  if (ok && rc < 0) {
    *error = ffmpegError("cannot close the MP4", rc);
    ok = false;
  }
  if (format_->pb) avio_closep(&format_->pb);
  failed_ = !ok;
  return ok;
}

bool ComposedFileWriter::finalize(const std::string& from, const std::string& to,
                                  std::int64_t* durationMs, std::string* error) {
  InputCloser in;
  int rc = avformat_open_input(&in.context, from.c_str(), nullptr, nullptr);
  if (rc < 0) {
    *error = ffmpegError("cannot read the recording", rc);
    return false;
  }
  if ((rc = avformat_find_stream_info(in.context, nullptr)) < 0) {
    *error = ffmpegError("cannot read the recording's tracks", rc);
    return false;
  }
  const std::string partial = to + ".partial";
  OutputCloser out;
  rc = avformat_alloc_output_context2(&out.context, nullptr, "mp4", partial.c_str());
  if (rc < 0 || !out.context) {
    *error = ffmpegError("no MP4 muxer", rc);
    return false;
  }
  std::vector<int> mapped(in.context->nb_streams, -1);
  for (unsigned i = 0; i < in.context->nb_streams; ++i) {
    const AVCodecParameters* par = in.context->streams[i]->codecpar;
    if (par->codec_type != AVMEDIA_TYPE_VIDEO && par->codec_type != AVMEDIA_TYPE_AUDIO) continue;
    AVStream* s = avformat_new_stream(out.context, nullptr);
    if (!s || avcodec_parameters_copy(s->codecpar, par) < 0) {
      *error = "cannot copy a track";
      return false;
    }
    s->codecpar->codec_tag = 0;
    s->time_base = in.context->streams[i]->time_base;
    mapped[i] = s->index;
  }
  if ((rc = avio_open(&out.context->pb, partial.c_str(), AVIO_FLAG_WRITE)) < 0) {
    *error = ffmpegError("cannot create the MP4", rc);
    return false;
  }
  AVDictionary* options = nullptr;
  av_dict_set(&options, "movflags", "faststart", 0);
  rc = avformat_write_header(out.context, &options);
  av_dict_free(&options);
  if (rc < 0) {
    *error = ffmpegError("cannot write the MP4 header", rc);
    std::remove(partial.c_str());
    return false;
  }
  AVPacket* packet = av_packet_alloc();
  std::int64_t lastMs = -1;
  std::uint64_t packets = 0;
  // A file cut off by a crash ends in an error: what came before it is kept.
  while (packet && av_read_frame(in.context, packet) >= 0) {
    const int target =
        packet->stream_index < static_cast<int>(mapped.size()) ? mapped[packet->stream_index] : -1;
    // The packet a cut went through is short (flagged corrupt): a decoder would fail on it.
    if (target >= 0 && !(packet->flags & AV_PKT_FLAG_CORRUPT)) {
      AVStream* src = in.context->streams[packet->stream_index];
      AVStream* dst = out.context->streams[target];
      const std::int64_t endTs = packet->pts + std::max<std::int64_t>(0, packet->duration);
      lastMs = std::max(lastMs, av_rescale_q(endTs, src->time_base, AVRational{1, 1000}));
      av_packet_rescale_ts(packet, src->time_base, dst->time_base);
      packet->stream_index = target;
      packet->pos = -1;
      if (av_interleaved_write_frame(out.context, packet) >= 0) ++packets;
    }
    av_packet_unref(packet);
  }
  av_packet_free(&packet);
  rc = av_write_trailer(out.context);
  avio_closep(&out.context->pb);
  if (rc < 0 || packets == 0) {
    *error = packets == 0 ? "the recording holds nothing" : ffmpegError("cannot close the MP4", rc);
    std::remove(partial.c_str());
    return false;
  }
  if (std::rename(partial.c_str(), to.c_str()) != 0) {
    *error = "cannot move the MP4 into place";
    std::remove(partial.c_str());
    return false;
  }
  *durationMs = std::max<std::int64_t>(0, lastMs);
  return true;
}

}  // namespace parley::record
