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
  if (format_) avformat_free_context(format_);
}

bool HlsMuxer::start(const AVCodecContext* video, const AVCodecContext* audio, std::string* error) {
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
  if (!tracks_.add(format_, video, audio, error)) return false;
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
  return tracks_.write(packet, video, "writing the HLS stream failed", error);
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
