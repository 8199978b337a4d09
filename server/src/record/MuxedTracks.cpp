#include "record/MuxedTracks.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include "record/FfmpegError.h"

namespace parley::record {

MuxedTracks::~MuxedTracks() {
  av_packet_free(&scratch_);
}

bool MuxedTracks::add(AVFormatContext* format, const AVCodecContext* video,
                      const AVCodecContext* audio, std::string* error) {
  format_ = format;
  video_ = video;
  audio_ = audio;
  scratch_ = av_packet_alloc();
  if (!scratch_) {
    *error = "out of memory";
    return false;
  }
  if (video) {
    videoStream_ = avformat_new_stream(format, nullptr);
    if (!videoStream_ || avcodec_parameters_from_context(videoStream_->codecpar, video) < 0) {
      *error = "cannot add the video track";
      return false;
    }
    videoStream_->time_base = AVRational{1, 90000};
  }
  if (audio) {
    audioStream_ = avformat_new_stream(format, nullptr);
    if (!audioStream_ || avcodec_parameters_from_context(audioStream_->codecpar, audio) < 0) {
      *error = "cannot add the audio track";
      return false;
    }
    audioStream_->time_base = AVRational{1, audio->sample_rate};
  }
  return true;
}

bool MuxedTracks::write(const AVPacket& packet, bool video, const char* what, std::string* error) {
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
    *error = ffmpegError(what, rc);
    return false;
  }
  return true;
}

}  // namespace parley::record
