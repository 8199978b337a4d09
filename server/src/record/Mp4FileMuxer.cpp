#include "record/Mp4FileMuxer.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
}

#include <algorithm>
#include <cstdio>
#include <vector>

#include "record/FfmpegError.h"

namespace parley::record {

namespace {

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

Mp4FileMuxer::~Mp4FileMuxer() {
  std::string ignored;
  finish(&ignored);
  if (format_) {
    if (format_->pb) avio_closep(&format_->pb);
    avformat_free_context(format_);
  }
}

bool Mp4FileMuxer::start(const AVCodecContext* video, const AVCodecContext* audio,
                         std::string* error) {
  int rc = avformat_alloc_output_context2(&format_, nullptr, "mp4", path_.c_str());
  if (rc < 0 || !format_) {
    *error = ffmpegError("no MP4 muxer", rc);
    return false;
  }
  if (!tracks_.add(format_, video, audio, error)) return false;
  rc = avio_open(&format_->pb, path_.c_str(), AVIO_FLAG_WRITE);
  if (rc < 0) {
    *error = ffmpegError("cannot create the file", rc);
    return false;
  }
  AVDictionary* options = nullptr;
  // Fragments (moof + mdat) at every keyframe (each second), each flushed as it is written: a
  // crash loses at most the fragment being gathered.
  av_dict_set(&options, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0);
  av_dict_set(&options, "flush_packets", "1", 0);
  rc = avformat_write_header(format_, &options);
  av_dict_free(&options);
  if (rc < 0) {
    *error = ffmpegError("cannot write the MP4 header", rc);
    return false;
  }
  started_ = true;
  return true;
}

bool Mp4FileMuxer::write(const AVPacket& packet, bool video, std::string* error) {
  if (!started_ || finished_) return false;
  return tracks_.write(packet, video, "writing the MP4 failed", error);
}

bool Mp4FileMuxer::finish(std::string* error) {
  if (!started_ || finished_) return started_;
  finished_ = true;
  const int rc = av_write_trailer(format_);
  if (format_->pb) avio_closep(&format_->pb);
  if (rc < 0) {
    *error = ffmpegError("cannot close the MP4", rc);
    return false;
  }
  return true;
}

bool Mp4FileMuxer::finalize(const std::string& from, const std::string& to,
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
