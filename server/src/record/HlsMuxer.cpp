#include "record/HlsMuxer.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
}

#include <filesystem>
#include <system_error>

#include "record/FfmpegError.h"

namespace parley::record {

HlsMuxer::~HlsMuxer() {
  std::string ignored;
  finish(&ignored);
  av_packet_free(&scratch_);
  if (format_) avformat_free_context(format_);
}

bool HlsMuxer::start(const AVCodecContext* video, const AVCodecContext* audio, std::string* error) {
  video_ = video;
  audio_ = audio;
  std::error_code ec;
  std::filesystem::create_directories(settings_.directory, ec);
  if (ec) {
    *error = "cannot create " + settings_.directory + ": " + ec.message();
    return false;
  }
  const std::string playlist = settings_.directory + "/" + kPlaylistName;
  int rc = avformat_alloc_output_context2(&format_, nullptr, "hls", playlist.c_str());
  if (rc < 0 || !format_) {
    *error = ffmpegError("no HLS muxer", rc);
    return false;
  }
  scratch_ = av_packet_alloc();
  if (!scratch_) {
    *error = "out of memory";
    return false;
  }
  if (video) {
    videoStream_ = avformat_new_stream(format_, nullptr);
    if (!videoStream_ || avcodec_parameters_from_context(videoStream_->codecpar, video) < 0) {
      *error = "cannot add the video track";
      return false;
    }
    videoStream_->time_base = AVRational{1, 90000};
  }
  if (audio) {
    audioStream_ = avformat_new_stream(format_, nullptr);
    if (!audioStream_ || avcodec_parameters_from_context(audioStream_->codecpar, audio) < 0) {
      *error = "cannot add the audio track";
      return false;
    }
    audioStream_->time_base = AVRational{1, audio->sample_rate};
  }
  AVDictionary* options = nullptr;
  const int seconds = settings_.lowLatency ? kLowLatencySegmentSeconds : kSegmentSeconds;
  av_dict_set_int(&options, "hls_time", seconds, 0);
  // DVR: every segment stays listed (an event playlist a viewer can seek back in); live: a
  // sliding window, older segments deleted. Segments are written under a temporary name and
  // renamed, so the server never hands out half a segment.
  av_dict_set_int(&options, "hls_list_size", settings_.dvr ? 0 : kLiveSegments, 0);
  av_dict_set(&options, "hls_flags",
              settings_.dvr ? "independent_segments+temp_file"
                            : "delete_segments+independent_segments+temp_file",
              0);
  if (settings_.dvr) av_dict_set(&options, "hls_playlist_type", "event", 0);
  av_dict_set(&options, "hls_segment_filename", (settings_.directory + "/segment%05d.ts").c_str(),
              0);
  rc = avformat_write_header(format_, &options);
  av_dict_free(&options);
  if (rc < 0) {
    *error = ffmpegError("cannot start the HLS stream", rc);
    return false;
  }
  started_ = true;
  return true;
}

bool HlsMuxer::write(const AVPacket& packet, bool video, std::string* error) {
  if (!started_ || finished_) return false;
  AVStream* stream = video ? videoStream_ : audioStream_;
  const AVCodecContext* codec = video ? video_ : audio_;
  if (!stream || !codec) return true;
  if (av_packet_ref(scratch_, &packet) < 0) {
    *error = "out of memory";
    return false;
  }
  av_packet_rescale_ts(scratch_, codec->time_base, stream->time_base);
  scratch_->stream_index = stream->index;
  const int rc = av_interleaved_write_frame(format_, scratch_);
  av_packet_unref(scratch_);
  if (rc < 0) {
    *error = ffmpegError("writing the HLS stream failed", rc);
    return false;
  }
  return true;
}

bool HlsMuxer::finish(std::string* error) {
  if (!started_ || finished_) return started_;
  finished_ = true;
  const int rc = av_write_trailer(format_);
  if (rc < 0) {
    *error = ffmpegError("cannot end the HLS stream", rc);
    return false;
  }
  return true;
}

}  // namespace parley::record
